#include "api/time_param.h"

#include <cmath>
#include <cstdlib>
#include <ctime>
#include <limits>
#include <string>
#include <utility>

#include <fmt/format.h>

namespace lm::api {
namespace {

bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

Result<int64_t> ParseRfc3339(std::string_view s) {
  auto bad = [&] {
    return InvalidArgument(fmt::format("cannot parse \"{}\" to a valid timestamp", s));
  };
  int year, mon, day, hour, min, sec;
  if (s.size() < 20 || !Digits(s, 0, 4, &year) || s[4] != '-' || !Digits(s, 5, 2, &mon) ||
      s[7] != '-' || !Digits(s, 8, 2, &day) || (s[10] != 'T' && s[10] != 't') ||
      !Digits(s, 11, 2, &hour) || s[13] != ':' || !Digits(s, 14, 2, &min) || s[16] != ':' ||
      !Digits(s, 17, 2, &sec)) {
    return bad();
  }
  if (mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 60) {
    return bad();
  }
  size_t i = 19;
  int64_t frac_ms = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    size_t start = i;
    int64_t scale = 100;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      frac_ms += (s[i] - '0') * scale;
      scale /= 10;
      ++i;
    }
    if (i == start) return bad();
  }
  int64_t offset_s = 0;
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
    ++i;
  } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    int oh, om;
    if (!Digits(s, i + 1, 2, &oh) || s.size() <= i + 3 || s[i + 3] != ':' ||
        !Digits(s, i + 4, 2, &om)) {
      return bad();
    }
    offset_s = (oh * 3600 + om * 60) * (s[i] == '-' ? -1 : 1);
    i += 6;
  } else {
    return bad();
  }
  if (i != s.size()) return bad();
  struct tm tm = {};
  tm.tm_year = year - 1900;
  tm.tm_mon = mon - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = min;
  tm.tm_sec = sec;
  int64_t epoch = static_cast<int64_t>(timegm(&tm)) - offset_s;
  return epoch * 1000 + frac_ms;
}

}  // namespace

Result<int64_t> ParseTimeParam(std::string_view s) {
  if (s.empty()) return InvalidArgument("cannot parse \"\" to a valid timestamp");
  std::string str(s);
  char* end = nullptr;
  double v = std::strtod(str.c_str(), &end);
  if (end == str.c_str() + str.size() && str.find_first_of("xXpP") == std::string::npos) {
    if (!std::isfinite(v) || std::fabs(v) > 9.2e15) {
      return InvalidArgument(fmt::format("cannot parse \"{}\" to a valid timestamp", s));
    }
    return static_cast<int64_t>(std::llround(v * 1000.0));
  }
  return ParseRfc3339(s);
}

Result<int64_t> ParseDurationParam(std::string_view s) {
  auto bad = [&] {
    return InvalidArgument(fmt::format("cannot parse \"{}\" to a valid duration", s));
  };
  if (s.empty()) return bad();
  std::string str(s);
  char* end = nullptr;
  const double v = std::strtod(str.c_str(), &end);
  if (end == str.c_str() + str.size() && str.find_first_of("xXpPnNiI") == std::string::npos) {
    if (!std::isfinite(v) || v < 0 || v > 9.2e12) return bad();
    return static_cast<int64_t>(std::llround(v * 1000.0));
  }
  // Units in decreasing order, each at most once: y w d h m s ms.
  static constexpr std::pair<std::string_view, int64_t> kUnits[] = {{"y", 365LL * 86400000},
                                                                    {"w", 7LL * 86400000},
                                                                    {"d", 86400000},
                                                                    {"h", 3600000},
                                                                    {"ms", 1},
                                                                    {"m", 60000},
                                                                    {"s", 1000}};
  int64_t total = 0;
  size_t i = 0;
  int last_unit = -1;
  while (i < s.size()) {
    const size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == start || i - start > 12) return bad();
    const int64_t n = std::stoll(std::string(s.substr(start, i - start)));
    int unit = -1;
    for (int u = 0; u < 7; ++u) {
      if (s.substr(i).starts_with(kUnits[u].first)) {
        // "m" must not match the start of "ms".
        if (kUnits[u].first == "m" && s.substr(i).starts_with("ms")) continue;
        unit = u;
        break;
      }
    }
    if (unit < 0) return bad();
    // Order: y w d h m s ms (index 4 is ms, which must come last).
    const int order = unit == 4 ? 7 : unit;
    if (order <= last_unit) return bad();
    last_unit = order;
    if (n > (std::numeric_limits<int64_t>::max() - total) / kUnits[unit].second) return bad();
    total += n * kUnits[unit].second;
    i += kUnits[unit].first.size();
  }
  return total;
}

std::string FormatApiTime(int64_t ms) {
  if (ms < 0) return "-" + FormatApiTime(-ms);
  int64_t sec = ms / 1000;
  int64_t rem = ms % 1000;
  if (rem == 0) return std::to_string(sec);
  std::string frac = fmt::format("{:03d}", rem);
  while (frac.back() == '0') frac.pop_back();
  return fmt::format("{}.{}", sec, frac);
}

}  // namespace lm::api
