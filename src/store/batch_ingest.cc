#include "store/batch_ingest.h"

#include "common/float_format.h"

namespace lm::store {
namespace {

constexpr std::string_view kAgentIdLabel = "agent_id";

std::vector<Label> BaseLabels(const protocol::MetricSeries& s, const std::string& agent_id) {
  std::vector<Label> out;
  out.reserve(s.labels.size() + 3);
  for (const auto& l : s.labels) {
    if (l.key == kAgentIdLabel) {
      out.push_back(Label{"exported_agent_id", l.value});
    } else {
      out.push_back(Label{l.key, l.value});
    }
  }
  out.push_back(Label{std::string(kAgentIdLabel), agent_id});
  return out;
}

void AppendPart(std::string_view part, std::string* key) {
  const uint32_t n = static_cast<uint32_t>(part.size());
  key->append(reinterpret_cast<const char*>(&n), sizeof n);
  key->append(part);
}

Labels WithName(std::vector<Label> base, std::string name) {
  base.push_back(Label{std::string(kMetricNameLabel), std::move(name)});
  return Labels(std::move(base));
}

}  // namespace

void IngestBatchMetrics(const protocol::Batch& batch, Appender* appender) {
  const std::string& agent = batch.identity.agent_id;
  std::vector<int64_t> ts;
  std::vector<double> vs;
  std::string key;
  for (const protocol::MetricSeries& s : batch.series) {
    if (s.kind != protocol::MetricKind::kHistogram) {
      // The series as it arrived: agent, name and labels, each length-prefixed so that no
      // two different series share a key.
      key.clear();
      AppendPart(agent, &key);
      AppendPart(s.name, &key);
      for (const auto& l : s.labels) {
        AppendPart(l.key, &key);
        AppendPart(l.value, &key);
      }
      ts.clear();
      vs.clear();
      for (const auto& sm : s.samples) {
        ts.push_back(sm.time_unix_nano / 1'000'000);
        vs.push_back(sm.value);
      }
      appender->AppendKeyed(
          key,
          [&] {
            appender->NoteMetricType(
                s.name, s.kind == protocol::MetricKind::kCounter ? "counter" : "gauge");
            return WithName(BaseLabels(s, agent), s.name);
          },
          ts.data(), vs.data(), ts.size());
      continue;
    }
    std::vector<Label> base = BaseLabels(s, agent);
    appender->NoteMetricType(s.name, "histogram");
    Labels sum = WithName(base, s.name + "_sum");
    Labels count = WithName(base, s.name + "_count");
    for (const auto& h : s.histogram_samples) {
      int64_t t = h.time_unix_nano / 1'000'000;
      appender->Append(sum, t, h.sum);
      appender->Append(count, t, static_cast<double>(h.count));
      for (const auto& b : h.buckets) {
        std::vector<Label> bl = base;
        bl.push_back(Label{"le", FormatFloatShort(b.upper_bound)});
        appender->Append(WithName(std::move(bl), s.name + "_bucket"), t,
                         static_cast<double>(b.count));
      }
    }
  }
}

}  // namespace lm::store
