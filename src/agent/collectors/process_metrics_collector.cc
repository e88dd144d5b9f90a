#include "agent/collectors/process_metrics_collector.h"

#include <dirent.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "common/logging.h"

#include "agent/collectors/metric_builders.h"
#include "agent/collectors/proc_files.h"
#include "common/file_util.h"

namespace lm::agent {
namespace {

constexpr std::string_view kWho = "process metrics";

// The PID a /proc entry name stands for: a positive decimal integer without leading zeros
// (as the kernel names them), else nullopt.
std::optional<int64_t> ParsePidName(std::string_view name) {
  if (name.empty() || name.size() > 19 || name[0] == '0') return std::nullopt;
  if (!std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  int64_t pid = 0;
  auto [ptr, ec] = std::from_chars(name.data(), name.data() + name.size(), pid);
  if (ec != std::errc() || ptr != name.data() + name.size()) return std::nullopt;
  return pid;
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
  std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(options_.proc_root.c_str()), ::closedir);
  if (dir == nullptr) {
    lm::log::Warn("{}: cannot list {}: {}; host process series are omitted", kWho,
                  options_.proc_root, ErrnoStatus("opendir", errno).ToString());
    return;
  }
  const int dir_fd = ::dirfd(dir.get());
  // Every file is read into this one buffer, by a path relative to the open proc root.
  std::array<char, kProcPidFileBufferBytes> buffer;
  std::array<char, 32> path;
  auto read_pid_file = [&](std::string_view pid, std::string_view file) {
    // Names are at most 19 digits (ParsePidName), so the path always fits.
    auto end = fmt::format_to_n(path.data(), path.size() - 1, "{}/{}", pid, file);
    *end.out = '\0';
    return ReadSmallFileAt(dir_fd, path.data(), buffer);
  };

  // Pass 1: the resident set of every process, from the cheap statm. A process whose statm
  // cannot be read exited since the listing and is skipped, not counted.
  size_t unparsable = 0;
  Status first_error;
  auto note_unparsable = [&](int64_t pid, std::string_view file, Status error) {
    if (unparsable++ == 0) first_error = error.WithContext(fmt::format("pid {} {}", pid, file));
  };
  residents_.clear();
  while (const struct dirent* entry = ::readdir(dir.get())) {
    const std::string_view name = entry->d_name;
    std::optional<int64_t> pid = ParsePidName(name);
    if (!pid) continue;
    Result<std::string_view> text = read_pid_file(name, "statm");
    if (!text.ok()) {
      lm::log::Debug("{}: skipping pid {}: {}", kWho, name, text.error().ToString());
      continue;
    }
    Result<uint64_t> resident_pages = ParseStatmResidentPages(*text);
    if (!resident_pages.ok()) {
      note_unparsable(*pid, "statm", resident_pages.error());
      continue;
    }
    residents_.push_back(Resident{*pid, *resident_pages});
  }
  std::sort(residents_.begin(), residents_.end(),
            [](const Resident& a, const Resident& b) { return a.rss_pages > b.rss_pages; });

  // Pass 2: stat (CPU ticks, start time, comm) only of the processes that can still be
  // among the first kMaxEnumeratedProcesses: whole groups of equal resident sets, largest
  // first, until the groups read hold that many processes whose stat parsed. Every process
  // not read then has a smaller resident set than all of those, so it ranks after them
  // whatever its CPU ticks and PID: the result is the one reading every stat would give.
  processes_.clear();
  size_t read = 0;
  while (read < residents_.size() && processes_.size() < kMaxEnumeratedProcesses) {
    const uint64_t group_rss = residents_[read].rss_pages;
    for (; read < residents_.size() && residents_[read].rss_pages == group_rss; ++read) {
      const int64_t pid = residents_[read].pid;
      const std::string pid_name = std::to_string(pid);
      Result<std::string_view> text = read_pid_file(pid_name, "stat");
      if (!text.ok()) {
        // The process exited between the two reads.
        lm::log::Debug("{}: skipping pid {}: {}", kWho, pid, text.error().ToString());
        continue;
      }
      // Only stat is read: a process's command line may hold secrets and is never read.
      Result<ProcessStat> parsed = ParseProcessStat(*text);
      if (!parsed.ok()) {
        note_unparsable(pid, "stat", parsed.error());
        continue;
      }
      if (parsed->pid != pid) {
        note_unparsable(pid, "stat",
                        InvalidArgument("pid stat: the pid differs from the directory name"));
        continue;
      }
      // Ranked and reported by the statm value the candidates were chosen by (the same
      // kernel counter as stat's rss field, read a moment earlier), so the order is exact.
      parsed->rss_pages = group_rss;
      processes_.push_back(std::move(parsed).value());
    }
  }
  if (unparsable > 0) {
    lm::log::Warn(
        "{}: {} /proc/PID/statm or stat files did not parse (first: {}); they count as omitted",
        kWho, unparsable, first_error.message());
  }
  // Processes whose stat was not needed were seen and are not reported.
  const size_t not_read = residents_.size() - read;

  const size_t included = std::min(processes_.size(), kMaxEnumeratedProcesses);
  std::partial_sort(processes_.begin(), processes_.begin() + static_cast<ptrdiff_t>(included),
                    processes_.end(), RanksBefore);
  const double hz = static_cast<double>(options_.ticks_per_second);
  const double page = static_cast<double>(options_.page_size_bytes);
  for (size_t i = 0; i < included; ++i) {
    const ProcessStat& p = processes_[i];
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
  out->series.push_back(
      MakeGauge("lightmetrics_host_processes_omitted", {}, ctx.now_unix_nano,
                static_cast<double>(processes_.size() - included + unparsable + not_read), "",
                "Processes seen in /proc but not reported individually."));
}

}  // namespace lm::agent
