// Process metrics read from a proc root: the agent's own CPU time and memory, and a capped
// enumeration of the host's largest processes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/collectors/collector.h"
#include "agent/collectors/proc_parsers.h"

namespace lm::agent {

// At most this many host processes are reported per scrape.
inline constexpr size_t kMaxEnumeratedProcesses = 8;

struct ProcessMetricsOptions {
  std::string proc_root = "/proc";
  // USER_HZ, the unit of /proc/PID/stat times. 0 means sysconf(_SC_CLK_TCK).
  int64_t ticks_per_second = 0;
  // The unit of resident set sizes. 0 means sysconf(_SC_PAGESIZE).
  int64_t page_size_bytes = 0;
};

// The enumeration order: larger resident set first, then more CPU ticks (utime + stime),
// then the smaller PID. A strict weak ordering that is total on distinct PIDs.
bool RanksBefore(const ProcessStat& a, const ProcessStat& b);

// Emits per scrape, each only when its sources parse:
//   the agent itself (/proc/self):
//     lmagent_process_cpu_seconds_total       cumulative counter, (utime + stime) / USER_HZ
//                                             from self/stat, starting at the agent's start
//                                             time;
//     lmagent_process_resident_memory_bytes   gauge, self/statm resident pages * page size;
//   the host's processes (/proc/PID/statm and /proc/PID/stat; /proc/PID/cmdline is never
//   read):
//     lightmetrics_host_process_cpu_seconds_total{pid,start_time,comm}
//                                             cumulative counter, (utime + stime) / USER_HZ,
//                                             starting at the process start time;
//     lightmetrics_host_process_resident_memory_bytes{pid,start_time,comm}
//                                             gauge, statm's resident pages * page size (the
//                                             kernel counter stat's rss field also shows);
//     for the first kMaxEnumeratedProcesses processes in RanksBefore order, and
//     lightmetrics_host_processes_omitted     gauge, the number of processes seen but not
//                                             reported (including those whose statm or stat
//                                             did not parse).
// Cost: every process's statm is read (cheap for the kernel), but its stat (which sums
// the CPU times of all its threads) only when the process can still rank among the first
// kMaxEnumeratedProcesses by resident set; the result is the same as if every stat were
// read. One directory handle and one file at a time are open; the buffers are reused.
// Labels: pid is the decimal PID; start_time is the process start time exactly as stat
// field 22 gives it, in USER_HZ clock ticks after boot (decimal), which does not depend on
// the wall clock or on btime, so a process keeps its series for its whole life and a reused
// PID gets a new one; comm is the command name of stat field 2, made valid UTF-8 and cut to
// 64 bytes. So at most 2 + 2 * 8 + 1 = 19 series with at most three labels each.
// Start times of the counters are btime (from /proc/stat) + start ticks / USER_HZ; when
// btime cannot be parsed every process CPU counter is omitted for the scrape, and when one
// process's start time cannot be expressed its CPU counter is omitted; the gauges are kept.
// A process that vanishes during the scan (its statm or stat cannot be read) is skipped
// silently and not counted. Failures are logged as warnings; Collect always returns Ok. Not thread
// safe.
class ProcessMetricsCollector : public Collector {
 public:
  explicit ProcessMetricsCollector(ProcessMetricsOptions options);

  std::string_view Name() const override { return "processes"; }
  Status Collect(const ScrapeContext& ctx, Scrape* out) override;

 private:
  void CollectAgentProcess(const ScrapeContext& ctx, std::optional<int64_t> boot_nanos,
                           Scrape* out);
  void CollectHostProcesses(const ScrapeContext& ctx, std::optional<int64_t> boot_nanos,
                            Scrape* out);

  struct Resident {
    int64_t pid = 0;
    uint64_t rss_pages = 0;
  };

  ProcessMetricsOptions options_;
  // Per-scrape scratch space, kept so that its capacity is reused.
  std::vector<Resident> residents_;
  std::vector<ProcessStat> processes_;
};

}  // namespace lm::agent
