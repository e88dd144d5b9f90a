#include "agent/collectors/proc_parsers.h"

#include <charconv>
#include <cmath>
#include <functional>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

namespace lm::agent {
namespace {

constexpr int64_t kNanosPerSecond = 1'000'000'000;
// The largest Unix second whose nanosecond value still fits in an int64 (year 2262).
constexpr int64_t kMaxUnixSeconds = std::numeric_limits<int64_t>::max() / kNanosPerSecond;

bool IsSpace(char c) { return c == ' ' || c == '\t'; }

// Splits `line` on runs of spaces and tabs.
std::vector<std::string_view> Fields(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && IsSpace(line[i])) ++i;
    size_t start = i;
    while (i < line.size() && !IsSpace(line[i])) ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

// Calls `fn(line)` for each line of `text` (without the newline) until it returns false.
template <typename Fn>
void ForEachLine(std::string_view text, Fn fn) {
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    if (!fn(line)) return;
    if (nl == std::string_view::npos) return;
    text.remove_prefix(nl + 1);
  }
}

// Whole-string decimal integer; unsigned types reject a sign.
template <typename T>
bool ParseInt(std::string_view s, T* out) {
  if (s.empty()) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

bool ParseDouble(std::string_view s, double* out) {
  if (s.empty()) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

// Parses the 8 mode fields that follow a "cpu" or "cpuN" label in `f`.
Status ParseCpuFields(const std::vector<std::string_view>& f, CpuTicks* dst) {
  if (f.size() < 9) {
    return InvalidArgument(
        fmt::format("stat: {} line has {} fields, want at least 8", f[0], f.size() - 1));
  }
  uint64_t* fields[] = {&dst->user,   &dst->nice, &dst->system,  &dst->idle,
                        &dst->iowait, &dst->irq,  &dst->softirq, &dst->steal};
  for (size_t i = 0; i < 8; ++i) {
    if (!ParseInt(f[i + 1], fields[i])) {
      return InvalidArgument(
          fmt::format("stat: {} field {} is not an unsigned integer: '{}'", f[0], i + 1, f[i + 1]));
    }
  }
  return Status::Ok();
}

}  // namespace

Result<CpuStat> ParseCpuStat(std::string_view stat_text) {
  CpuStat out;
  bool have_total = false;
  std::set<uint32_t> seen;
  Status error;
  ForEachLine(stat_text, [&](std::string_view line) {
    std::vector<std::string_view> f = Fields(line);
    if (f.empty() || !f[0].starts_with("cpu")) return true;
    std::string_view id_text = f[0].substr(3);
    if (id_text.empty()) {
      if (have_total) {
        error = InvalidArgument("stat: the aggregate cpu line repeats");
        return false;
      }
      have_total = true;
      error = ParseCpuFields(f, &out.total);
      return error.ok();
    }
    CoreCpuTicks core;
    if (!ParseInt(id_text, &core.cpu)) return true;  // some other "cpu..." key
    if (!seen.insert(core.cpu).second) {
      error = InvalidArgument(fmt::format("stat: line {} repeats", f[0]));
      return false;
    }
    error = ParseCpuFields(f, &core.ticks);
    if (!error.ok()) return false;
    out.cores.push_back(core);
    return true;
  });
  if (!error.ok()) return error;
  if (!have_total) return InvalidArgument("stat: no aggregate cpu line");
  return out;
}

Result<int64_t> ParseBootTime(std::string_view stat_text) {
  std::optional<int64_t> btime;
  Status error;
  ForEachLine(stat_text, [&](std::string_view line) {
    std::vector<std::string_view> f = Fields(line);
    if (f.empty() || f[0] != "btime") return true;
    int64_t v = 0;
    if (f.size() != 2 || !ParseInt(f[1], &v) || v <= 0 || v > kMaxUnixSeconds) {
      error = InvalidArgument(fmt::format("stat: malformed btime line '{}'", line));
    } else {
      btime = v;
    }
    return false;
  });
  if (!error.ok()) return error;
  if (!btime) return InvalidArgument("stat: no btime line");
  return *btime;
}

Result<MemInfo> ParseMemInfo(std::string_view text) {
  MemInfo out;
  Status error;
  ForEachLine(text, [&](std::string_view line) {
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) return true;
    std::string_view key = line.substr(0, colon);
    std::optional<uint64_t>* dst = nullptr;
    if (key == "MemTotal") dst = &out.total_bytes;
    if (key == "MemAvailable") dst = &out.available_bytes;
    if (dst == nullptr) return true;
    std::vector<std::string_view> f = Fields(line.substr(colon + 1));
    uint64_t kb = 0;
    if (f.size() != 2 || f[1] != "kB" || !ParseInt(f[0], &kb)) {
      error = InvalidArgument(fmt::format("meminfo: malformed {} line '{}'", key, line));
      return false;
    }
    if (kb > std::numeric_limits<uint64_t>::max() / 1024) {
      error = InvalidArgument(fmt::format("meminfo: {} overflows as bytes", key));
      return false;
    }
    *dst = kb * 1024;
    return true;
  });
  if (!error.ok()) return error;
  return out;
}

Result<LoadAverage> ParseLoadAverage(std::string_view text) {
  std::string_view first_line = text.substr(0, text.find('\n'));
  std::vector<std::string_view> f = Fields(first_line);
  if (f.size() < 3) {
    return InvalidArgument(fmt::format("loadavg: want 3 load fields, got {}", f.size()));
  }
  LoadAverage out;
  double* dst[] = {&out.load1, &out.load5, &out.load15};
  for (size_t i = 0; i < 3; ++i) {
    if (!ParseDouble(f[i], dst[i]) || !std::isfinite(*dst[i]) || *dst[i] < 0) {
      return InvalidArgument(fmt::format("loadavg: field {} is not a load: '{}'", i + 1, f[i]));
    }
  }
  return out;
}

Result<std::vector<NetDevCounters>> ParseNetDev(std::string_view text) {
  std::vector<NetDevCounters> out;
  std::set<std::string, std::less<>> seen;
  Status error;
  ForEachLine(text, [&](std::string_view line) {
    if (line.find('|') != std::string_view::npos) return true;  // a header line
    if (Fields(line).empty()) return true;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      error = InvalidArgument(fmt::format("net/dev: line without ':': '{}'", line));
      return false;
    }
    std::vector<std::string_view> name = Fields(line.substr(0, colon));
    if (name.size() != 1) {
      error = InvalidArgument(fmt::format("net/dev: bad device name in '{}'", line));
      return false;
    }
    std::vector<std::string_view> f = Fields(line.substr(colon + 1));
    if (f.size() < 16) {
      error =
          InvalidArgument(fmt::format("net/dev: {} has {} counters, want 16", name[0], f.size()));
      return false;
    }
    uint64_t counters[16];
    for (size_t i = 0; i < 16; ++i) {
      if (!ParseInt(f[i], &counters[i])) {
        error = InvalidArgument(fmt::format(
            "net/dev: {} counter {} is not an unsigned integer: '{}'", name[0], i + 1, f[i]));
        return false;
      }
    }
    NetDevCounters dev;
    dev.device = std::string(name[0]);
    dev.receive_bytes = counters[0];
    dev.transmit_bytes = counters[8];
    if (!seen.insert(dev.device).second) {
      error = InvalidArgument(fmt::format("net/dev: device {} repeats", dev.device));
      return false;
    }
    out.push_back(std::move(dev));
    return true;
  });
  if (!error.ok()) return error;
  return out;
}

Result<ProcessStat> ParseProcessStat(std::string_view text) {
  ProcessStat out;
  size_t open = text.find('(');
  size_t close = text.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
    return InvalidArgument("pid stat: no parenthesised command name");
  }
  std::vector<std::string_view> pid = Fields(text.substr(0, open));
  if (pid.size() != 1 || !ParseInt(pid[0], &out.pid) || out.pid <= 0) {
    return InvalidArgument("pid stat: the pid is not a positive integer");
  }
  out.comm = std::string(text.substr(open + 1, close - open - 1));
  // f[0] is field 3 (state), so field N is f[N - 3]. The line ends with a newline.
  std::string_view rest = text.substr(close + 1);
  if (!rest.empty() && rest.back() == '\n') rest.remove_suffix(1);
  std::vector<std::string_view> f = Fields(rest);
  if (f.size() < 22) {
    return InvalidArgument(
        fmt::format("pid stat: {} fields after the command name, want at least 22", f.size()));
  }
  const std::pair<int, uint64_t*> used[] = {
      {14, &out.utime_ticks},
      {15, &out.stime_ticks},
      {22, &out.start_time_ticks},
      {24, &out.rss_pages},
  };
  for (const auto& [field, dst] : used) {
    if (!ParseInt(f[field - 3], dst)) {
      return InvalidArgument(fmt::format("pid stat: field {} is not a non-negative integer: '{}'",
                                         field, f[field - 3]));
    }
  }
  return out;
}

Result<uint64_t> ParseStatmResidentPages(std::string_view text) {
  // Called once per process and scrape, so the two fields are split off without Fields()
  // and its allocation.
  std::string_view line = text.substr(0, text.find('\n'));
  auto next_field = [&line]() {
    size_t i = 0;
    while (i < line.size() && IsSpace(line[i])) ++i;
    size_t start = i;
    while (i < line.size() && !IsSpace(line[i])) ++i;
    std::string_view field = line.substr(start, i - start);
    line.remove_prefix(i);
    return field;
  };
  uint64_t size = 0;
  uint64_t resident = 0;
  if (!ParseInt(next_field(), &size) || !ParseInt(next_field(), &resident)) {
    return InvalidArgument("statm: want unsigned size and resident page counts");
  }
  return resident;
}

Result<int64_t> TicksAfterBootToUnixNanos(int64_t boot_time_unix_nanos, uint64_t ticks,
                                          int64_t ticks_per_second) {
  if (boot_time_unix_nanos <= 0 || ticks_per_second <= 0 || ticks_per_second > kNanosPerSecond) {
    return InvalidArgument("boot time must be positive and ticks per second in [1, 1e9]");
  }
  const auto hz = static_cast<uint64_t>(ticks_per_second);
  const uint64_t whole_seconds = ticks / hz;
  // ticks_per_second <= 1e9, so the remainder times 1e9 stays below 1e18.
  const auto sub_second_nanos =
      static_cast<int64_t>((ticks % hz) * static_cast<uint64_t>(kNanosPerSecond) / hz);
  const int64_t headroom = std::numeric_limits<int64_t>::max() - boot_time_unix_nanos;
  if (whole_seconds > static_cast<uint64_t>(headroom / kNanosPerSecond)) {
    return InvalidArgument(fmt::format("{} ticks after boot is out of range", ticks));
  }
  const int64_t whole =
      boot_time_unix_nanos + static_cast<int64_t>(whole_seconds) * kNanosPerSecond;
  if (whole > std::numeric_limits<int64_t>::max() - sub_second_nanos) {
    return InvalidArgument(fmt::format("{} ticks after boot is out of range", ticks));
  }
  return whole + sub_second_nanos;
}

}  // namespace lm::agent
