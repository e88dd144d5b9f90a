#include "agent/collectors/host_metrics_collector.h"

#include <unistd.h>

#include <utility>

#include <spdlog/spdlog.h>

#include "agent/collectors/metric_builders.h"
#include "agent/collectors/proc_parsers.h"
#include "common/file_util.h"

namespace lm::agent {
namespace {

constexpr int64_t kNanosPerSecond = 1'000'000'000;

// Reads proc_root/name; on failure logs a warning and returns the error.
Result<std::string> ReadProcFile(const std::string& proc_root, const char* name) {
  Result<std::string> text = ReadFile(JoinPath(proc_root, name));
  if (!text.ok()) {
    spdlog::warn("host metrics: cannot read {}: {}; its series are omitted", name,
                 text.error().ToString());
  }
  return text;
}

void WarnUnparsable(const char* name, const Status& s) {
  spdlog::warn("host metrics: cannot parse {}: {}; its series are omitted", name, s.message());
}

}  // namespace

HostMetricsCollector::HostMetricsCollector(HostMetricsOptions options)
    : options_(std::move(options)) {
  if (options_.ticks_per_second <= 0) {
    long hz = ::sysconf(_SC_CLK_TCK);
    // Linux has reported USER_HZ 100 on every architecture for decades; sysconf cannot
    // fail for _SC_CLK_TCK, the fallback only keeps a division by zero impossible.
    options_.ticks_per_second = hz > 0 ? hz : 100;
  }
}

Status HostMetricsCollector::Collect(const ScrapeContext& ctx, Scrape* out) {
  CollectCpu(ctx, out);
  CollectMemory(ctx, out);
  CollectLoad(ctx, out);
  return Status::Ok();
}

void HostMetricsCollector::CollectCpu(const ScrapeContext& ctx, Scrape* out) {
  Result<std::string> text = ReadProcFile(options_.proc_root, "stat");
  if (!text.ok()) return;
  Result<ProcStat> stat = ParseProcStat(*text);
  if (!stat.ok()) return WarnUnparsable("stat", stat.error());
  const int64_t start = stat->boot_time_unix_seconds * kNanosPerSecond;
  const double hz = static_cast<double>(options_.ticks_per_second);
  const CpuTicks& c = stat->cpu;
  const std::pair<const char*, uint64_t> modes[] = {
      {"user", c.user},     {"nice", c.nice}, {"system", c.system},   {"idle", c.idle},
      {"iowait", c.iowait}, {"irq", c.irq},   {"softirq", c.softirq}, {"steal", c.steal},
  };
  for (const auto& [mode, ticks] : modes) {
    out->series.push_back(MakeCumulativeCounter("lightmetrics_host_cpu_seconds_total",
                                                {{"mode", mode}}, start, ctx.now_unix_nano,
                                                static_cast<double>(ticks) / hz, "seconds",
                                                "Seconds all CPUs spent in each mode since boot."));
  }
}

void HostMetricsCollector::CollectMemory(const ScrapeContext& ctx, Scrape* out) {
  Result<std::string> text = ReadProcFile(options_.proc_root, "meminfo");
  if (!text.ok()) return;
  Result<MemInfo> mem = ParseMemInfo(*text);
  if (!mem.ok()) return WarnUnparsable("meminfo", mem.error());
  if (mem->total_bytes) {
    out->series.push_back(MakeGauge("node_memory_MemTotal_bytes", {}, ctx.now_unix_nano,
                                    static_cast<double>(*mem->total_bytes), "bytes",
                                    "Total usable memory."));
  } else {
    spdlog::warn("host metrics: meminfo has no MemTotal; node_memory_MemTotal_bytes omitted");
  }
  if (mem->available_bytes) {
    out->series.push_back(MakeGauge("node_memory_MemAvailable_bytes", {}, ctx.now_unix_nano,
                                    static_cast<double>(*mem->available_bytes), "bytes",
                                    "Memory available for new work without swapping."));
  } else {
    spdlog::warn(
        "host metrics: meminfo has no MemAvailable; node_memory_MemAvailable_bytes omitted");
  }
}

void HostMetricsCollector::CollectLoad(const ScrapeContext& ctx, Scrape* out) {
  Result<std::string> text = ReadProcFile(options_.proc_root, "loadavg");
  if (!text.ok()) return;
  Result<LoadAverage> load = ParseLoadAverage(*text);
  if (!load.ok()) return WarnUnparsable("loadavg", load.error());
  out->series.push_back(
      MakeGauge("node_load1", {}, ctx.now_unix_nano, load->load1, "", "1-minute load average."));
  out->series.push_back(
      MakeGauge("node_load5", {}, ctx.now_unix_nano, load->load5, "", "5-minute load average."));
  out->series.push_back(
      MakeGauge("node_load15", {}, ctx.now_unix_nano, load->load15, "", "15-minute load average."));
}

}  // namespace lm::agent
