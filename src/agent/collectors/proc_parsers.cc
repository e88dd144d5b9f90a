#include "agent/collectors/proc_parsers.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <fmt/format.h>

namespace lm::agent {
namespace {

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

}  // namespace

Result<ProcStat> ParseProcStat(std::string_view text) {
  ProcStat out;
  bool have_cpu = false;
  bool have_btime = false;
  Status error;
  ForEachLine(text, [&](std::string_view line) {
    std::vector<std::string_view> f = Fields(line);
    if (f.empty()) return true;
    if (f[0] == "cpu") {
      if (f.size() < 9) {
        error = InvalidArgument(
            fmt::format("stat: cpu line has {} fields, want at least 8", f.size() - 1));
        return false;
      }
      uint64_t* dst[] = {&out.cpu.user,   &out.cpu.nice, &out.cpu.system,  &out.cpu.idle,
                         &out.cpu.iowait, &out.cpu.irq,  &out.cpu.softirq, &out.cpu.steal};
      for (size_t i = 0; i < 8; ++i) {
        if (!ParseInt(f[i + 1], dst[i])) {
          error = InvalidArgument(
              fmt::format("stat: cpu field {} is not an unsigned integer: '{}'", i + 1, f[i + 1]));
          return false;
        }
      }
      have_cpu = true;
    } else if (f[0] == "btime") {
      if (f.size() != 2 || !ParseInt(f[1], &out.boot_time_unix_seconds) ||
          out.boot_time_unix_seconds <= 0) {
        error = InvalidArgument(fmt::format("stat: malformed btime line '{}'", line));
        return false;
      }
      have_btime = true;
    }
    return true;
  });
  if (!error.ok()) return error;
  if (!have_cpu) return InvalidArgument("stat: no aggregate cpu line");
  if (!have_btime) return InvalidArgument("stat: no btime line");
  return out;
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

}  // namespace lm::agent
