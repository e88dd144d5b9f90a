// Small helpers that build the MetricSeries values collectors emit. Thread safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/utf8.h"
#include "protocol/batch.h"

namespace lm::agent {

// The longest label value a built-in collector emits. Collector configs must allow at least
// this much (ingest.max_label_value_bytes >= 64, see the limitations registry).
inline constexpr size_t kMaxBuiltinLabelValueBytes = 64;

// Makes a label value out of bytes the kernel reports verbatim (command names, interface
// names): invalid UTF-8 bytes become U+FFFD, then the value is cut at a character boundary
// to at most kMaxBuiltinLabelValueBytes bytes, so that the batch always decodes.
inline std::string SanitizeLabelValue(std::string_view raw) {
  std::string valid = ToValidUtf8(raw);
  size_t end = 0;
  while (end < valid.size()) {
    size_t n = Utf8SequenceLength(valid, end);
    if (end + n > kMaxBuiltinLabelValueBytes) break;
    end += n;
  }
  valid.resize(end);
  return valid;
}

// A gauge with one sample at `time_unix_nano`.
inline protocol::MetricSeries MakeGauge(std::string name, std::vector<protocol::Label> labels,
                                        int64_t time_unix_nano, double value, std::string unit,
                                        std::string help) {
  protocol::MetricSeries s;
  s.name = std::move(name);
  s.labels = std::move(labels);
  s.kind = protocol::MetricKind::kGauge;
  s.samples.push_back({time_unix_nano, value});
  s.unit = std::move(unit);
  s.help = std::move(help);
  return s;
}

// A cumulative counter with one sample; `start_time_unix_nano` is when it last started from
// zero, so that the reader can tell a reset from a wrap.
inline protocol::MetricSeries MakeCumulativeCounter(std::string name,
                                                    std::vector<protocol::Label> labels,
                                                    int64_t start_time_unix_nano,
                                                    int64_t time_unix_nano, double value,
                                                    std::string unit, std::string help) {
  protocol::MetricSeries s;
  s.name = std::move(name);
  s.labels = std::move(labels);
  s.kind = protocol::MetricKind::kCounter;
  s.temporality = protocol::Temporality::kCumulative;
  s.start_time_unix_nano = start_time_unix_nano;
  s.samples.push_back({time_unix_nano, value});
  s.unit = std::move(unit);
  s.help = std::move(help);
  return s;
}

}  // namespace lm::agent
