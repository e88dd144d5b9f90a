// A deterministic batch that exercises every field of the schema. Golden frames are
// encodings of it; changing it changes the golden files.
#pragma once

#include "protocol/batch.h"

namespace lm::protocol {

inline Batch SampleBatch() {
  Batch b;
  b.identity = {"host-a", "0b6f2c1e-1c0a-4c59-9a43-6c1b9c7f0001", 41, 42};
  b.host = {"host-a.example", "machine-1", "kernel-boot-1", "linux", "x86_64", "0.1.0"};
  b.created_unix_nano = 1'700'000'000'000'000'000;
  MetricSeries up;
  up.name = "lmagent_up";
  up.kind = MetricKind::kGauge;
  up.samples = {{1'700'000'000'000'000'000, 1.0}};
  b.series.push_back(up);
  MetricSeries cpu;
  cpu.name = "lightmetrics_host_cpu_seconds_total";
  cpu.labels = {{"mode", "user"}};
  cpu.kind = MetricKind::kCounter;
  cpu.temporality = Temporality::kCumulative;
  cpu.start_time_unix_nano = 1'690'000'000'000'000'000;
  cpu.unit = "seconds";
  cpu.help = "CPU time by mode";
  cpu.samples = {{1'700'000'000'000'000'000, 1234.5}};
  b.series.push_back(cpu);
  MetricSeries hist;
  hist.name = "request_duration_seconds";
  hist.labels = {{"route", "/x"}};
  hist.kind = MetricKind::kHistogram;
  hist.temporality = Temporality::kCumulative;
  hist.start_time_unix_nano = 1'690'000'000'000'000'000;
  HistogramSample hs;
  hs.time_unix_nano = 1'700'000'000'000'000'000;
  hs.buckets = {{0.1, 3}, {1.0, 7}, {std::numeric_limits<double>::infinity(), 9}};
  hs.sum = 4.25;
  hs.count = 9;
  hist.histogram_samples = {hs};
  b.series.push_back(hist);
  b.logs.push_back(LogRecord{1'700'000'000'000'000'000,
                             Severity::kInfo,
                             "lm-agent",
                             "heartbeat",
                             {{"component", "agent"}}});
  b.alerts.push_back(AlertRecord{1'700'000'000'000'000'000,
                                 "agent.queue_dropped",
                                 Severity::kWarn,
                                 AlertState::kFiring,
                                 {{"reason", "full"}},
                                 "dropped 3 log records"});
  return b;
}

}  // namespace lm::protocol
