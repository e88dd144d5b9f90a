// Host CPU, memory and load metrics read from a proc root (normally /proc; tests point it
// at fixture snapshots).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "agent/collectors/collector.h"

namespace lm::agent {

struct HostMetricsOptions {
  std::string proc_root = "/proc";
  // USER_HZ, the unit of /proc/stat CPU times. 0 means sysconf(_SC_CLK_TCK).
  int64_t ticks_per_second = 0;
};

// Emits per scrape, each group only when its source file parses:
//   /proc/stat:    lightmetrics_host_cpu_seconds_total{mode=user|nice|system|idle|iowait|
//                  irq|softirq|steal}, cumulative counters in seconds with start time =
//                  boot time (btime);
//   /proc/meminfo: node_memory_MemTotal_bytes, node_memory_MemAvailable_bytes gauges;
//   /proc/loadavg: node_load1, node_load5, node_load15 gauges.
// A file that cannot be read or parsed is logged as a warning and its series are omitted;
// Collect always returns Ok. Not thread safe.
class HostMetricsCollector : public Collector {
 public:
  explicit HostMetricsCollector(HostMetricsOptions options);

  std::string_view Name() const override { return "host_metrics"; }
  Status Collect(const ScrapeContext& ctx, Scrape* out) override;

 private:
  void CollectCpu(const ScrapeContext& ctx, Scrape* out);
  void CollectMemory(const ScrapeContext& ctx, Scrape* out);
  void CollectLoad(const ScrapeContext& ctx, Scrape* out);

  HostMetricsOptions options_;
};

}  // namespace lm::agent
