#include "agent/collectors/host_metrics_collector.h"

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "common/logging.h"

#include "agent/collectors/metric_builders.h"
#include "agent/collectors/proc_files.h"
#include "agent/collectors/proc_parsers.h"

namespace lm::agent {
namespace {

constexpr std::string_view kWho = "host metrics";

// Appends one counter per CPU mode of `ticks`, each labelled `labels` plus mode.
void AppendCpuModes(const char* name, const std::vector<protocol::Label>& labels,
                    const CpuTicks& ticks, double hz, int64_t start, int64_t now, const char* help,
                    Scrape* out) {
  const std::pair<const char*, uint64_t> modes[] = {
      {"user", ticks.user},       {"nice", ticks.nice},     {"system", ticks.system},
      {"idle", ticks.idle},       {"iowait", ticks.iowait}, {"irq", ticks.irq},
      {"softirq", ticks.softirq}, {"steal", ticks.steal},
  };
  for (const auto& [mode, value] : modes) {
    std::vector<protocol::Label> series_labels = labels;
    series_labels.push_back({"mode", mode});
    out->series.push_back(MakeCumulativeCounter(name, std::move(series_labels), start, now,
                                                static_cast<double>(value) / hz, "seconds", help));
  }
}

}  // namespace

HostMetricsCollector::HostMetricsCollector(HostMetricsOptions options)
    : options_(std::move(options)) {
  if (options_.ticks_per_second <= 0) options_.ticks_per_second = SystemTicksPerSecond();
}

Status HostMetricsCollector::Collect(const ScrapeContext& ctx, Scrape* out) {
  // /proc/stat is read once: it holds both the CPU times and the boot time that the CPU
  // and network counters start at.
  Result<std::string> stat =
      ReadProcFileOrWarn(kWho, options_.proc_root, "stat", "CPU and network counters are");
  std::optional<int64_t> boot_nanos;
  if (stat.ok()) boot_nanos = BootTimeNanosOrWarn(kWho, *stat, "CPU and network counters are");
  if (boot_nanos) CollectCpu(ctx, *stat, *boot_nanos, out);
  CollectMemory(ctx, out);
  CollectLoad(ctx, out);
  if (boot_nanos) CollectNetwork(ctx, *boot_nanos, out);
  return Status::Ok();
}

void HostMetricsCollector::CollectCpu(const ScrapeContext& ctx, std::string_view stat_text,
                                      int64_t boot_nanos, Scrape* out) {
  Result<CpuStat> cpu = ParseCpuStat(stat_text);
  if (!cpu.ok()) return WarnUnparsable(kWho, "stat", cpu.error(), "CPU counters are");
  const double hz = static_cast<double>(options_.ticks_per_second);
  AppendCpuModes("lightmetrics_host_cpu_seconds_total", {}, cpu->total, hz, boot_nanos,
                 ctx.now_unix_nano, "Seconds all CPUs spent in each mode since boot.", out);
  for (const CoreCpuTicks& core : cpu->cores) {
    if (core.cpu >= kMaxPerCoreCpuId) continue;
    AppendCpuModes("node_cpu_seconds_total", {{"cpu", std::to_string(core.cpu)}}, core.ticks, hz,
                   boot_nanos, ctx.now_unix_nano, "Seconds each CPU spent in each mode since boot.",
                   out);
  }
}

void HostMetricsCollector::CollectMemory(const ScrapeContext& ctx, Scrape* out) {
  Result<std::string> text = ReadProcFileOrWarn(kWho, options_.proc_root, "meminfo");
  if (!text.ok()) return;
  Result<MemInfo> mem = ParseMemInfo(*text);
  if (!mem.ok()) return WarnUnparsable(kWho, "meminfo", mem.error());
  if (mem->total_bytes) {
    out->series.push_back(MakeGauge("node_memory_MemTotal_bytes", {}, ctx.now_unix_nano,
                                    static_cast<double>(*mem->total_bytes), "bytes",
                                    "Total usable memory."));
  } else {
    lm::log::Warn("{}: meminfo has no MemTotal; node_memory_MemTotal_bytes omitted", kWho);
  }
  if (mem->available_bytes) {
    out->series.push_back(MakeGauge("node_memory_MemAvailable_bytes", {}, ctx.now_unix_nano,
                                    static_cast<double>(*mem->available_bytes), "bytes",
                                    "Memory available for new work without swapping."));
  } else {
    lm::log::Warn("{}: meminfo has no MemAvailable; node_memory_MemAvailable_bytes omitted", kWho);
  }
}

void HostMetricsCollector::CollectLoad(const ScrapeContext& ctx, Scrape* out) {
  Result<std::string> text = ReadProcFileOrWarn(kWho, options_.proc_root, "loadavg");
  if (!text.ok()) return;
  Result<LoadAverage> load = ParseLoadAverage(*text);
  if (!load.ok()) return WarnUnparsable(kWho, "loadavg", load.error());
  out->series.push_back(
      MakeGauge("node_load1", {}, ctx.now_unix_nano, load->load1, "", "1-minute load average."));
  out->series.push_back(
      MakeGauge("node_load5", {}, ctx.now_unix_nano, load->load5, "", "5-minute load average."));
  out->series.push_back(
      MakeGauge("node_load15", {}, ctx.now_unix_nano, load->load15, "", "15-minute load average."));
}

void HostMetricsCollector::CollectNetwork(const ScrapeContext& ctx, int64_t boot_nanos,
                                          Scrape* out) {
  Result<std::string> text = ReadProcFileOrWarn(kWho, options_.proc_root, "net/dev");
  if (!text.ok()) return;
  Result<std::vector<NetDevCounters>> parsed = ParseNetDev(*text);
  if (!parsed.ok()) return WarnUnparsable(kWho, "net/dev", parsed.error());
  std::vector<NetDevCounters> devices = std::move(parsed).value();
  std::erase_if(devices, [](const NetDevCounters& d) { return d.device == "lo"; });
  for (NetDevCounters& dev : devices) dev.device = SanitizeLabelValue(dev.device);
  std::stable_sort(devices.begin(), devices.end(),
                   [](const auto& a, const auto& b) { return a.device < b.device; });
  // Names that differ only in invalid UTF-8 bytes sanitize alike; keep the first so that
  // no series is emitted twice.
  devices.erase(std::unique(devices.begin(), devices.end(),
                            [](const auto& a, const auto& b) { return a.device == b.device; }),
                devices.end());
  if (devices.size() > kMaxNetworkDevices) {
    lm::log::Debug("{}: {} network devices, counters kept for the first {} by name", kWho,
                   devices.size(), kMaxNetworkDevices);
    devices.resize(kMaxNetworkDevices);
  }
  for (const NetDevCounters& dev : devices) {
    const std::string& device = dev.device;
    out->series.push_back(MakeCumulativeCounter(
        "node_network_receive_bytes_total", {{"device", device}}, boot_nanos, ctx.now_unix_nano,
        static_cast<double>(dev.receive_bytes), "bytes", "Bytes received by the device."));
    out->series.push_back(MakeCumulativeCounter(
        "node_network_transmit_bytes_total", {{"device", device}}, boot_nanos, ctx.now_unix_nano,
        static_cast<double>(dev.transmit_bytes), "bytes", "Bytes transmitted by the device."));
  }
}

}  // namespace lm::agent
