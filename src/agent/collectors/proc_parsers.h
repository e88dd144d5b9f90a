// Parsers for the Linux /proc text files that host metrics are read from. They take the
// file's content, so they are testable without a /proc. Pure functions; thread safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace lm::agent {

// Cumulative time in each mode, in USER_HZ ticks, from one "cpu" line of /proc/stat. Guest
// time is included in user and nice, as the kernel reports it.
struct CpuTicks {
  uint64_t user = 0;
  uint64_t nice = 0;
  uint64_t system = 0;
  uint64_t idle = 0;
  uint64_t iowait = 0;
  uint64_t irq = 0;
  uint64_t softirq = 0;
  uint64_t steal = 0;
};

struct CoreCpuTicks {
  uint32_t cpu = 0;  // the N of the "cpuN" line
  CpuTicks ticks;
};

struct CpuStat {
  CpuTicks total;                   // the aggregate "cpu" line: all CPUs together
  std::vector<CoreCpuTicks> cores;  // the "cpuN" lines in file order (offline CPUs absent)
};

// Parses the CPU lines of /proc/stat. Returns InvalidArgument naming the problem when the
// aggregate "cpu" line is missing, when any "cpu" or "cpuN" line has fewer than 8 fields or
// a field that is not an unsigned 64-bit integer, or when a CPU number repeats. Other lines
// are not interpreted.
Result<CpuStat> ParseCpuStat(std::string_view stat_text);

// Parses the "btime" line of /proc/stat: the boot time in Unix seconds. InvalidArgument
// when it is missing, not a positive integer, or too large to be expressed in Unix
// nanoseconds as an int64.
Result<int64_t> ParseBootTime(std::string_view stat_text);

struct MemInfo {
  std::optional<uint64_t> total_bytes;      // MemTotal
  std::optional<uint64_t> available_bytes;  // MemAvailable (absent before Linux 3.14)
};

// Parses /proc/meminfo; values are converted from kB to bytes. A key this parser needs
// whose value is malformed, not in kB, or overflows as bytes is InvalidArgument; a key that
// is absent stays nullopt. Lines with other keys are not interpreted.
Result<MemInfo> ParseMemInfo(std::string_view text);

struct LoadAverage {
  double load1 = 0;
  double load5 = 0;
  double load15 = 0;
};

// Parses the first three fields of /proc/loadavg. InvalidArgument unless they are finite,
// non-negative numbers.
Result<LoadAverage> ParseLoadAverage(std::string_view text);

struct NetDevCounters {
  std::string device;  // the interface name, raw bytes as the kernel prints them
  uint64_t receive_bytes = 0;
  uint64_t transmit_bytes = 0;
};

// Parses /proc/net/dev: the two header lines (recognised by their '|') are skipped, every
// other non-blank line must be "name: <16 unsigned integers>". Returns the devices in file
// order. InvalidArgument when a device line has no ':', an empty name, fewer than 16
// fields or a field that is not an unsigned 64-bit integer, or when a name repeats.
Result<std::vector<NetDevCounters>> ParseNetDev(std::string_view text);

// The fields of /proc/PID/stat (see proc(5)) that process metrics use.
struct ProcessStat {
  int64_t pid = 0;                // field 1
  std::string comm;               // field 2 without the parentheses; raw bytes
  uint64_t utime_ticks = 0;       // field 14, USER_HZ ticks in user mode
  uint64_t stime_ticks = 0;       // field 15, USER_HZ ticks in kernel mode
  uint64_t start_time_ticks = 0;  // field 22, USER_HZ ticks after boot when it started
  uint64_t rss_pages = 0;         // field 24, resident set size in pages
};

// Parses one /proc/PID/stat. comm is taken from the first '(' to the LAST ')' of the text,
// because a command name may itself contain spaces, parentheses and ')' (the kernel does
// not escape it). InvalidArgument when the pid is not a positive integer, the parentheses
// are missing, fewer than 24 fields are present or a used field is not a non-negative
// integer.
Result<ProcessStat> ParseProcessStat(std::string_view text);

// Parses the resident field (the second) of /proc/PID/statm, in pages. InvalidArgument
// unless the first two fields are unsigned integers.
Result<uint64_t> ParseStatmResidentPages(std::string_view text);

// `boot_time_unix_nanos` + `ticks` / `ticks_per_second` seconds, in Unix nanoseconds: the
// wall-clock time of a moment given in ticks after boot, such as a process start time.
// InvalidArgument when the result does not fit in an int64, the boot time is not positive
// or ticks_per_second is outside [1, 1e9].
Result<int64_t> TicksAfterBootToUnixNanos(int64_t boot_time_unix_nanos, uint64_t ticks,
                                          int64_t ticks_per_second);

}  // namespace lm::agent
