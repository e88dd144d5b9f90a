#include "agent/collectors/process_metrics_collector.h"

#include <algorithm>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "common/logging.h"

#include "agent/collectors/metric_builders.h"
#include "agent/collectors/proc_files.h"
#include "common/file_util.h"

namespace lm::agent {
namespace {

constexpr std::string_view kWho = "process metrics";

bool IsPidName(std::string_view name) {
  return !name.empty() &&
         std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; });
}

uint64_t TotalCpuTicks(const ProcessStat& p) { return p.utime_ticks + p.stime_ticks; }

}  // namespace

bool RanksBefore(const ProcessStat& a, const ProcessStat& b) {
  return std::make_tuple(b.rss_pages, TotalCpuTicks(b), a.pid) <
         std::make_tuple(a.rss_pages, TotalCpuTicks(a), b.pid);
}

ProcessMetricsCollector::ProcessMetricsCollector(ProcessMetricsOptions options)
    : options_(std::move(options)) {
  if (options_.ticks_per_second <= 0) options_.ticks_per_second = SystemTicksPerSecond();
  if (options_.page_size_bytes <= 0) options_.page_size_bytes = SystemPageSize();
}

Status ProcessMetricsCollector::Collect(const ScrapeContext& ctx, Scrape* out) {
  Result<std::string> stat =
      ReadProcFileOrWarn(kWho, options_.proc_root, "stat", "process CPU counters are");
  std::optional<int64_t> boot_nanos;
  if (stat.ok()) boot_nanos = BootTimeNanosOrWarn(kWho, *stat, "process CPU counters are");
  CollectAgentProcess(ctx, boot_nanos, out);
  CollectHostProcesses(ctx, boot_nanos, out);
  return Status::Ok();
}

void ProcessMetricsCollector::CollectAgentProcess(const ScrapeContext& ctx,
                                                  std::optional<int64_t> boot_nanos, Scrape* out) {
  const double hz = static_cast<double>(options_.ticks_per_second);
  const double page = static_cast<double>(options_.page_size_bytes);
  Result<std::string> stat_text = ReadProcFileOrWarn(kWho, options_.proc_root, "self/stat",
                                                     "lmagent_process_cpu_seconds_total is");
  if (stat_text.ok() && boot_nanos) {
    Result<ProcessStat> self = ParseProcessStat(*stat_text);
    if (!self.ok()) {
      WarnUnparsable(kWho, "self/stat", self.error(), "lmagent_process_cpu_seconds_total is");
    } else if (Result<int64_t> start = TicksAfterBootToUnixNanos(
                   *boot_nanos, self->start_time_ticks, options_.ticks_per_second);
               !start.ok()) {
      WarnUnparsable(kWho, "self/stat", start.error(), "lmagent_process_cpu_seconds_total is");
    } else {
      out->series.push_back(
          MakeCumulativeCounter("lmagent_process_cpu_seconds_total", {}, *start, ctx.now_unix_nano,
                                static_cast<double>(TotalCpuTicks(*self)) / hz, "seconds",
                                "CPU time the agent process has used in user and kernel mode."));
    }
  }
  Result<std::string> statm_text = ReadProcFileOrWarn(kWho, options_.proc_root, "self/statm");
  if (!statm_text.ok()) return;
  Result<uint64_t> resident_pages = ParseStatmResidentPages(*statm_text);
  if (!resident_pages.ok()) return WarnUnparsable(kWho, "self/statm", resident_pages.error());
  out->series.push_back(MakeGauge("lmagent_process_resident_memory_bytes", {}, ctx.now_unix_nano,
                                  static_cast<double>(*resident_pages) * page, "bytes",
                                  "Resident memory of the agent process."));
}

void ProcessMetricsCollector::CollectHostProcesses(const ScrapeContext& ctx,
                                                   std::optional<int64_t> boot_nanos, Scrape* out) {
  Result<std::vector<std::string>> names = ListDir(options_.proc_root);
  if (!names.ok()) {
    lm::log::Warn("{}: cannot list {}: {}; host process series are omitted", kWho,
                  options_.proc_root, names.error().ToString());
    return;
  }
  std::vector<ProcessStat> processes;
  size_t unparsable = 0;
  Status first_error;
  for (const std::string& name : *names) {
    if (!IsPidName(name)) continue;
    // Only stat is read: a process's command line may hold secrets and is never read.
    Result<std::string> text = ReadFile(JoinPath(options_.proc_root, name + "/stat"));
    if (!text.ok()) {
      // The process exited between the listing and the read.
      lm::log::Debug("{}: skipping pid {}: {}", kWho, name, text.error().ToString());
      continue;
    }
    Result<ProcessStat> parsed = ParseProcessStat(*text);
    Status error = parsed.status();
    if (parsed.ok() && std::to_string(parsed->pid) != name) {
      error = InvalidArgument("pid stat: the pid differs from the directory name");
    }
    if (!error.ok()) {
      if (unparsable++ == 0) first_error = error.WithContext("pid " + name);
      continue;
    }
    processes.push_back(std::move(parsed).value());
  }
  if (unparsable > 0) {
    lm::log::Warn("{}: {} /proc/PID/stat files did not parse (first: {}); they count as omitted",
                  kWho, unparsable, first_error.message());
  }

  const size_t included = std::min(processes.size(), kMaxEnumeratedProcesses);
  std::partial_sort(processes.begin(), processes.begin() + static_cast<ptrdiff_t>(included),
                    processes.end(), RanksBefore);
  const double hz = static_cast<double>(options_.ticks_per_second);
  const double page = static_cast<double>(options_.page_size_bytes);
  for (size_t i = 0; i < included; ++i) {
    const ProcessStat& p = processes[i];
    std::vector<protocol::Label> labels = {
        {"pid", std::to_string(p.pid)},
        {"start_time", std::to_string(p.start_time_ticks)},
        {"comm", SanitizeLabelValue(p.comm)},
    };
    if (boot_nanos) {
      Result<int64_t> start =
          TicksAfterBootToUnixNanos(*boot_nanos, p.start_time_ticks, options_.ticks_per_second);
      if (start.ok()) {
        out->series.push_back(MakeCumulativeCounter(
            "lightmetrics_host_process_cpu_seconds_total", labels, *start, ctx.now_unix_nano,
            static_cast<double>(TotalCpuTicks(p)) / hz, "seconds",
            "CPU time the process has used in user and kernel mode."));
      } else {
        WarnUnparsable(kWho, "pid " + std::to_string(p.pid) + " stat", start.error(),
                       "its CPU counter is");
      }
    }
    out->series.push_back(MakeGauge(
        "lightmetrics_host_process_resident_memory_bytes", std::move(labels), ctx.now_unix_nano,
        static_cast<double>(p.rss_pages) * page, "bytes", "Resident memory of the process."));
  }
  out->series.push_back(MakeGauge("lightmetrics_host_processes_omitted", {}, ctx.now_unix_nano,
                                  static_cast<double>(processes.size() - included + unparsable), "",
                                  "Processes seen in /proc but not reported individually."));
}

}  // namespace lm::agent
