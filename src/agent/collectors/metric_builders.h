// Small helpers that build the MetricSeries values collectors emit. Thread safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "protocol/batch.h"

namespace lm::agent {

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
