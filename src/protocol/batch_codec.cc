#include "protocol/batch_codec.h"

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/exception.h>

#include <cstring>
#include <memory>
#include <unordered_set>

#include <fmt/format.h>

#include "common/utf8.h"
#include "lightmetrics.capnp.h"

namespace lm::protocol {
namespace {

// Cap'n Proto's implicit conversion from std::string stops at the first NUL; pass the size.
capnp::Text::Reader Txt(const std::string& s) { return capnp::Text::Reader(s.data(), s.size()); }

void SetLabels(capnp::List<wire::Label>::Builder out, const std::vector<Label>& in) {
  for (size_t i = 0; i < in.size(); ++i) {
    out[i].setKey(Txt(in[i].key));
    out[i].setValue(Txt(in[i].value));
  }
}

class Decoder {
 public:
  explicit Decoder(const DecodeLimits& limits) : limits_(limits) {}

  // Any violation is recorded in error_ and the walk stops at the first one.
  bool Decode(wire::Batch::Reader r, Batch* out) {
    if (!r.hasIdentity()) return Invalid("identity", "batch has no identity");
    auto id = r.getIdentity();
    if (!Text(id.getAgentId(), kMaxAgentIdBytes, "agent_id", &out->identity.agent_id) ||
        !Text(id.getBootId(), kMaxBootIdBytes, "boot_id", &out->identity.boot_id)) {
      return false;
    }
    if (out->identity.agent_id.empty()) return Invalid("agent_id", "agent_id is empty");
    if (out->identity.boot_id.empty()) return Invalid("boot_id", "boot_id is empty");
    out->identity.seq_start = id.getSeqStart();
    out->identity.seq_end = id.getSeqEnd();
    if (out->identity.seq_end < out->identity.seq_start) {
      return Invalid("seq_range", fmt::format("seq_end {} is before seq_start {}",
                                              out->identity.seq_end, out->identity.seq_start));
    }
    if (r.hasHost()) {
      auto h = r.getHost();
      HostIdentity& host = out->host;
      if (!Text(h.getHostname(), kMaxHostFieldBytes, "host.hostname", &host.hostname) ||
          !Text(h.getMachineId(), kMaxHostFieldBytes, "host.machine_id", &host.machine_id) ||
          !Text(h.getKernelBootId(), kMaxHostFieldBytes, "host.kernel_boot_id",
                &host.kernel_boot_id) ||
          !Text(h.getOs(), kMaxHostFieldBytes, "host.os", &host.os) ||
          !Text(h.getArch(), kMaxHostFieldBytes, "host.arch", &host.arch) ||
          !Text(h.getAgentVersion(), kMaxHostFieldBytes, "host.agent_version",
                &host.agent_version)) {
        return false;
      }
    }
    out->created_unix_nano = r.getCreatedUnixNano();
    return Series(r.getSeries(), &out->series) && Logs(r.getLogs(), &out->logs) &&
           Alerts(r.getAlerts(), &out->alerts);
  }

  DecodeError TakeError() { return std::move(error_); }

 private:
  bool Fail(DecodeErrorKind kind, std::string rule, std::string detail) {
    error_ = DecodeError{kind, std::move(rule), std::move(detail)};
    return false;
  }
  bool Invalid(std::string rule, std::string detail) {
    return Fail(DecodeErrorKind::kInvalidField, std::move(rule), std::move(detail));
  }
  bool Limit(const char* rule, std::string_view what, uint64_t got, uint64_t limit) {
    return Fail(DecodeErrorKind::kLimitExceeded, rule,
                fmt::format("{} is {}, limit {} is {}", what, got, rule, limit));
  }

  bool Text(capnp::Text::Reader t, uint64_t max, const char* rule, std::string* out) {
    if (t.size() > max) return Limit(rule, fmt::format("{} size", rule), t.size(), max);
    out->assign(t.cStr(), t.size());
    if (!IsValidUtf8(*out)) return Invalid("utf8", "a text field is not valid UTF-8");
    return true;
  }

  bool Labels(capnp::List<wire::Label>::Reader in, uint32_t max_count, const char* count_rule,
              bool prometheus_names, std::vector<Label>* out) {
    if (in.size() > max_count) return Limit(count_rule, "label count", in.size(), max_count);
    out->reserve(in.size());
    seen_.clear();
    for (auto l : in) {
      Label lab;
      if (!Text(l.getKey(), limits_.max_label_key_bytes, "max_label_key_bytes", &lab.key) ||
          !Text(l.getValue(), limits_.max_label_value_bytes, "max_label_value_bytes", &lab.value)) {
        return false;
      }
      if (prometheus_names) {
        if (!IsValidLabelName(lab.key)) {
          return Invalid("label_name", fmt::format("'{}' is not a valid label name", lab.key));
        }
        if (lab.key.size() >= 2 && lab.key[0] == '_' && lab.key[1] == '_') {
          return Invalid("label_name", fmt::format("label name '{}' is reserved", lab.key));
        }
      } else if (lab.key.empty()) {
        return Invalid("attribute_key", "attribute key is empty");
      }
      if (!seen_.insert(lab.key).second) {
        return Invalid("duplicate_label", fmt::format("label '{}' appears twice", lab.key));
      }
      out->push_back(std::move(lab));
    }
    return true;
  }

  bool Time(int64_t t, const char* what) {
    if (t <= 0)
      return Invalid("timestamp", fmt::format("{} timestamp {} is not positive", what, t));
    return true;
  }

  bool Series(capnp::List<wire::MetricSeries>::Reader in, std::vector<MetricSeries>* out) {
    if (in.size() > limits_.max_series_per_batch) {
      return Limit("max_series_per_batch", "series count", in.size(), limits_.max_series_per_batch);
    }
    out->reserve(in.size());
    for (auto s : in) {
      MetricSeries ms;
      if (!Text(s.getName(), limits_.max_label_value_bytes, "max_label_value_bytes", &ms.name)) {
        return false;
      }
      if (!IsValidMetricName(ms.name)) {
        return Invalid("metric_name", fmt::format("'{}' is not a valid metric name", ms.name));
      }
      if (!Labels(s.getLabels(), limits_.max_labels_per_series, "max_labels_per_series", true,
                  &ms.labels)) {
        return false;
      }
      auto kind = s.getKind();
      if (kind > wire::MetricKind::HISTOGRAM) {
        return Invalid("metric_kind", fmt::format("unknown metric kind {}", uint16_t(kind)));
      }
      ms.kind = static_cast<MetricKind>(kind);
      auto temp = s.getTemporality();
      if (temp > wire::Temporality::DELTA) {
        return Invalid("temporality", fmt::format("unknown temporality {}", uint16_t(temp)));
      }
      ms.temporality = static_cast<Temporality>(temp);
      ms.start_time_unix_nano = s.getStartTimeUnixNano();
      if (!Text(s.getUnit(), limits_.max_label_value_bytes, "max_label_value_bytes", &ms.unit) ||
          !Text(s.getHelp(), limits_.max_log_message_bytes, "max_log_message_bytes", &ms.help)) {
        return false;
      }
      auto samples = s.getSamples();
      auto hsamples = s.getHistogramSamples();
      if (samples.size() > limits_.max_samples_per_series) {
        return Limit("max_samples_per_series", "sample count", samples.size(),
                     limits_.max_samples_per_series);
      }
      if (hsamples.size() > limits_.max_samples_per_series) {
        return Limit("max_samples_per_series", "histogram sample count", hsamples.size(),
                     limits_.max_samples_per_series);
      }
      if (ms.kind == MetricKind::kHistogram && samples.size() > 0) {
        return Invalid("histogram_samples", fmt::format("histogram series '{}' carries scalar "
                                                        "samples",
                                                        ms.name));
      }
      if (ms.kind != MetricKind::kHistogram && hsamples.size() > 0) {
        return Invalid("histogram_samples",
                       fmt::format("non-histogram series '{}' carries histogram samples", ms.name));
      }
      ms.samples.reserve(samples.size());
      for (auto sm : samples) {
        if (!Time(sm.getTimeUnixNano(), "sample")) return false;
        ms.samples.push_back(Sample{sm.getTimeUnixNano(), sm.getValue()});
      }
      ms.histogram_samples.reserve(hsamples.size());
      for (auto hs : hsamples) {
        if (!Time(hs.getTimeUnixNano(), "histogram sample")) return false;
        HistogramSample h;
        h.time_unix_nano = hs.getTimeUnixNano();
        h.sum = hs.getSum();
        h.count = hs.getCount();
        auto buckets = hs.getBuckets();
        if (buckets.size() > limits_.max_buckets_per_histogram) {
          return Limit("max_buckets_per_histogram", "bucket count", buckets.size(),
                       limits_.max_buckets_per_histogram);
        }
        h.buckets.reserve(buckets.size());
        for (auto b : buckets) h.buckets.push_back(Bucket{b.getUpperBound(), b.getCount()});
        ms.histogram_samples.push_back(std::move(h));
      }
      out->push_back(std::move(ms));
    }
    return true;
  }

  bool Logs(capnp::List<wire::LogRecord>::Reader in, std::vector<LogRecord>* out) {
    if (in.size() > limits_.max_logs_per_batch) {
      return Limit("max_logs_per_batch", "log record count", in.size(), limits_.max_logs_per_batch);
    }
    out->reserve(in.size());
    for (auto l : in) {
      LogRecord rec;
      if (!Time(l.getTimeUnixNano(), "log")) return false;
      rec.time_unix_nano = l.getTimeUnixNano();
      auto sev = l.getSeverity();
      if (sev > wire::Severity::FATAL) {
        return Invalid("severity", fmt::format("unknown severity {}", uint16_t(sev)));
      }
      rec.severity = static_cast<Severity>(sev);
      if (!Text(l.getTarget(), limits_.max_label_value_bytes, "max_label_value_bytes",
                &rec.target) ||
          !Text(l.getMessage(), limits_.max_log_message_bytes, "max_log_message_bytes",
                &rec.message) ||
          !Labels(l.getAttributes(), limits_.max_labels_per_series, "max_labels_per_series", false,
                  &rec.attributes)) {
        return false;
      }
      out->push_back(std::move(rec));
    }
    return true;
  }

  bool Alerts(capnp::List<wire::AlertRecord>::Reader in, std::vector<AlertRecord>* out) {
    if (in.size() > limits_.max_alerts_per_batch) {
      return Limit("max_alerts_per_batch", "alert record count", in.size(),
                   limits_.max_alerts_per_batch);
    }
    out->reserve(in.size());
    for (auto a : in) {
      AlertRecord rec;
      if (!Time(a.getTimeUnixNano(), "alert")) return false;
      rec.time_unix_nano = a.getTimeUnixNano();
      auto sev = a.getSeverity();
      if (sev > wire::Severity::FATAL) {
        return Invalid("severity", fmt::format("unknown severity {}", uint16_t(sev)));
      }
      rec.severity = static_cast<Severity>(sev);
      auto state = a.getState();
      if (state > wire::AlertState::PENDING) {
        return Invalid("alert_state", fmt::format("unknown alert state {}", uint16_t(state)));
      }
      rec.state = static_cast<AlertState>(state);
      if (!Text(a.getName(), limits_.max_label_value_bytes, "max_label_value_bytes", &rec.name) ||
          !Text(a.getMessage(), limits_.max_log_message_bytes, "max_log_message_bytes",
                &rec.message) ||
          !Labels(a.getLabels(), limits_.max_labels_per_series, "max_labels_per_series", true,
                  &rec.labels)) {
        return false;
      }
      if (rec.name.empty()) return Invalid("alert_name", "alert name is empty");
      out->push_back(std::move(rec));
    }
    return true;
  }

  const DecodeLimits& limits_;
  DecodeError error_{DecodeErrorKind::kMalformedPayload, "", ""};
  std::unordered_set<std::string_view> seen_;
};

}  // namespace

bool IsValidMetricName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

bool IsValidLabelName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

std::string EncodeBatchFrame(const Batch& batch, Compression compression, int zstd_level,
                             uint64_t* message_bytes) {
  capnp::MallocMessageBuilder message;
  auto b = message.initRoot<wire::Batch>();
  auto id = b.initIdentity();
  id.setAgentId(Txt(batch.identity.agent_id));
  id.setBootId(Txt(batch.identity.boot_id));
  id.setSeqStart(batch.identity.seq_start);
  id.setSeqEnd(batch.identity.seq_end);
  auto h = b.initHost();
  h.setHostname(Txt(batch.host.hostname));
  h.setMachineId(Txt(batch.host.machine_id));
  h.setKernelBootId(Txt(batch.host.kernel_boot_id));
  h.setOs(Txt(batch.host.os));
  h.setArch(Txt(batch.host.arch));
  h.setAgentVersion(Txt(batch.host.agent_version));
  b.setCreatedUnixNano(batch.created_unix_nano);

  auto series = b.initSeries(static_cast<unsigned>(batch.series.size()));
  for (size_t i = 0; i < batch.series.size(); ++i) {
    const MetricSeries& in = batch.series[i];
    auto s = series[i];
    s.setName(Txt(in.name));
    SetLabels(s.initLabels(static_cast<unsigned>(in.labels.size())), in.labels);
    s.setKind(static_cast<wire::MetricKind>(in.kind));
    s.setTemporality(static_cast<wire::Temporality>(in.temporality));
    s.setStartTimeUnixNano(in.start_time_unix_nano);
    s.setUnit(Txt(in.unit));
    s.setHelp(Txt(in.help));
    auto samples = s.initSamples(static_cast<unsigned>(in.samples.size()));
    for (size_t j = 0; j < in.samples.size(); ++j) {
      samples[j].setTimeUnixNano(in.samples[j].time_unix_nano);
      samples[j].setValue(in.samples[j].value);
    }
    auto hs = s.initHistogramSamples(static_cast<unsigned>(in.histogram_samples.size()));
    for (size_t j = 0; j < in.histogram_samples.size(); ++j) {
      const HistogramSample& hin = in.histogram_samples[j];
      hs[j].setTimeUnixNano(hin.time_unix_nano);
      hs[j].setSum(hin.sum);
      hs[j].setCount(hin.count);
      auto buckets = hs[j].initBuckets(static_cast<unsigned>(hin.buckets.size()));
      for (size_t k = 0; k < hin.buckets.size(); ++k) {
        buckets[k].setUpperBound(hin.buckets[k].upper_bound);
        buckets[k].setCount(hin.buckets[k].count);
      }
    }
  }
  auto logs = b.initLogs(static_cast<unsigned>(batch.logs.size()));
  for (size_t i = 0; i < batch.logs.size(); ++i) {
    const LogRecord& in = batch.logs[i];
    logs[i].setTimeUnixNano(in.time_unix_nano);
    logs[i].setSeverity(static_cast<wire::Severity>(in.severity));
    logs[i].setTarget(Txt(in.target));
    logs[i].setMessage(Txt(in.message));
    SetLabels(logs[i].initAttributes(static_cast<unsigned>(in.attributes.size())), in.attributes);
  }
  auto alerts = b.initAlerts(static_cast<unsigned>(batch.alerts.size()));
  for (size_t i = 0; i < batch.alerts.size(); ++i) {
    const AlertRecord& in = batch.alerts[i];
    alerts[i].setTimeUnixNano(in.time_unix_nano);
    alerts[i].setName(Txt(in.name));
    alerts[i].setSeverity(static_cast<wire::Severity>(in.severity));
    alerts[i].setState(static_cast<wire::AlertState>(in.state));
    SetLabels(alerts[i].initLabels(static_cast<unsigned>(in.labels.size())), in.labels);
    alerts[i].setMessage(Txt(in.message));
  }
  kj::Array<capnp::word> words = capnp::messageToFlatArray(message);
  auto bytes = words.asBytes();
  if (message_bytes != nullptr) *message_bytes = bytes.size();
  return EncodeFrame(std::string_view(reinterpret_cast<const char*>(bytes.begin()), bytes.size()),
                     compression, zstd_level);
}

Result<Batch, DecodeError> DecodeBatchFrame(std::string_view frame, const DecodeLimits& limits) {
  auto header = CheckFrame(frame, limits.max_frame_bytes);
  if (!header.ok()) return header.error();
  std::unique_ptr<uint64_t[]> decompressed;
  auto message = FrameMessage(frame, *header, limits.max_frame_bytes, &decompressed);
  if (!message.ok()) return message.error();
  std::string_view payload = *message;
  if (payload.size() % sizeof(capnp::word) != 0) {
    return DecodeError{
        DecodeErrorKind::kMalformedPayload, "capnp_message",
        fmt::format("payload length {} is not a whole number of 8-byte words", payload.size())};
  }
  // Cap'n Proto reads words in place; copy only when the buffer is not 8-byte aligned.
  kj::Array<capnp::word> copy;
  kj::ArrayPtr<const capnp::word> words;
  if (reinterpret_cast<uintptr_t>(payload.data()) % alignof(capnp::word) == 0) {
    words = kj::arrayPtr(reinterpret_cast<const capnp::word*>(payload.data()),
                         payload.size() / sizeof(capnp::word));
  } else {
    copy = kj::heapArray<capnp::word>(payload.size() / sizeof(capnp::word));
    std::memcpy(copy.begin(), payload.data(), payload.size());
    words = copy;
  }
  capnp::ReaderOptions options;
  options.traversalLimitInWords =
      std::max<uint64_t>(1024, words.size() * limits.traversal_words_per_payload_word);
  options.nestingLimit = static_cast<int>(limits.nesting_limit);
  Batch batch;
  Decoder decoder(limits);
  try {
    capnp::FlatArrayMessageReader reader(words, options);
    if (!decoder.Decode(reader.getRoot<wire::Batch>(), &batch)) return decoder.TakeError();
  } catch (const kj::Exception& e) {
    return DecodeError{
        DecodeErrorKind::kMalformedPayload, "capnp_message",
        fmt::format("Cap'n Proto payload is malformed: {}", e.getDescription().cStr())};
  }
  return batch;
}

}  // namespace lm::protocol
