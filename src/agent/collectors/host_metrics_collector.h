// Host CPU, memory, load and network metrics read from a proc root (normally /proc; tests
// point it at fixture snapshots).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "agent/collectors/collector.h"

namespace lm::agent {

// Per-core CPU counters are emitted for CPU IDs below this (0-7); higher IDs are skipped so
// that a many-core host stays within the heartbeat's series budget.
inline constexpr uint32_t kMaxPerCoreCpuId = 8;
// Network counters are emitted for at most this many devices: the first ones in byte-wise
// sorted name order, "lo" excluded. Sorting by name keeps the chosen set stable from one
// scrape to the next.
inline constexpr size_t kMaxNetworkDevices = 4;

struct HostMetricsOptions {
  std::string proc_root = "/proc";
  // USER_HZ, the unit of /proc/stat CPU times. 0 means sysconf(_SC_CLK_TCK).
  int64_t ticks_per_second = 0;
};

// Emits per scrape, each group only when its sources parse:
//   /proc/stat:    lightmetrics_host_cpu_seconds_total{mode} (all CPUs) and
//                  node_cpu_seconds_total{cpu,mode} for CPU IDs 0-7, where mode is user,
//                  nice, system, idle, iowait, irq, softirq or steal: cumulative counters in
//                  seconds (ticks / USER_HZ);
//   /proc/meminfo: node_memory_MemTotal_bytes, node_memory_MemAvailable_bytes gauges;
//   /proc/loadavg: node_load1, node_load5, node_load15 gauges;
//   /proc/net/dev: node_network_receive_bytes_total{device},
//                  node_network_transmit_bytes_total{device} cumulative counters for up to
//                  kMaxNetworkDevices devices (see above).
// That is at most 8 + 64 + 2 + 3 + 8 = 85 series with at most two labels each. The CPU
// and network counters start at the boot time ("btime" of /proc/stat); when it cannot be
// parsed they are all omitted, and CPU counters are also omitted when any CPU line is
// malformed. A file that cannot be read or parsed is logged as a warning and its series are
// omitted; Collect always returns Ok. Not thread safe.
class HostMetricsCollector : public Collector {
 public:
  explicit HostMetricsCollector(HostMetricsOptions options);

  std::string_view Name() const override { return "host_metrics"; }
  Status Collect(const ScrapeContext& ctx, Scrape* out) override;

 private:
  void CollectCpu(const ScrapeContext& ctx, std::string_view stat_text, int64_t boot_nanos,
                  Scrape* out);
  void CollectMemory(const ScrapeContext& ctx, Scrape* out);
  void CollectLoad(const ScrapeContext& ctx, Scrape* out);
  void CollectNetwork(const ScrapeContext& ctx, int64_t boot_nanos, Scrape* out);

  HostMetricsOptions options_;
};

}  // namespace lm::agent
