// Parsers for the Linux /proc text files that host metrics are read from. They take the
// file's content, so they are testable without a /proc. Pure functions; thread safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "common/result.h"

namespace lm::agent {

// Cumulative time of all CPUs in each mode, in USER_HZ ticks (the aggregate "cpu" line of
// /proc/stat). Guest time is included in user and nice, as the kernel reports it.
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

struct ProcStat {
  CpuTicks cpu;
  int64_t boot_time_unix_seconds = 0;  // "btime"
};

// Parses /proc/stat. Returns InvalidArgument naming the problem when the aggregate "cpu"
// line is missing or has fewer than 8 numeric fields, when "btime" is missing or not a
// positive integer, or when a field does not fit in 64 bits.
Result<ProcStat> ParseProcStat(std::string_view text);

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

}  // namespace lm::agent
