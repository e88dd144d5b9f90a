#include "tests/promql/promqltest_notation.h"

#include <re2/re2.h>

#include <bit>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "promql/value.h"

namespace lm::promql::testing {
namespace {

// Splits on whitespace, keeping {{...}} together.
std::vector<std::string> SplitPoints(std::string_view s) {
  std::vector<std::string> out;
  std::string cur;
  int depth = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s.substr(i, 2) == "{{") {
      depth++;
      cur += "{{";
      ++i;
      continue;
    }
    if (s.substr(i, 2) == "}}" && depth > 0) {
      depth--;
      cur += "}}";
      ++i;
      continue;
    }
    if (depth == 0 && std::isspace(static_cast<unsigned char>(s[i]))) {
      if (!cur.empty()) out.push_back(std::move(cur));
      cur.clear();
      continue;
    }
    cur.push_back(s[i]);
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

}  // namespace

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// A duration ("5m", "1h30m", "10s53ms") or a plain number of seconds, in ms.
std::optional<int64_t> ParseDuration(std::string_view s) {
  s = Trim(s);
  if (s.empty()) return std::nullopt;
  char* end = nullptr;
  std::string str(s);
  double secs = std::strtod(str.c_str(), &end);
  if (end == str.c_str() + str.size()) return static_cast<int64_t>(std::llround(secs * 1000));
  int64_t total = 0;
  size_t i = 0;
  while (i < s.size()) {
    size_t j = i;
    while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
    if (j == i) return std::nullopt;
    int64_t n = std::stoll(std::string(s.substr(i, j - i)));
    size_t k = j;
    while (k < s.size() && std::isalpha(static_cast<unsigned char>(s[k]))) ++k;
    std::string_view unit = s.substr(j, k - j);
    int64_t mult;
    if (unit == "ms") {
      mult = 1;
    } else if (unit == "s") {
      mult = 1000;
    } else if (unit == "m") {
      mult = 60'000;
    } else if (unit == "h") {
      mult = 3'600'000;
    } else if (unit == "d") {
      mult = 86'400'000;
    } else if (unit == "w") {
      mult = 7 * 86'400'000LL;
    } else if (unit == "y") {
      mult = 365 * 86'400'000LL;
    } else {
      return std::nullopt;
    }
    total += n * mult;
    i = k;
  }
  return total;
}

std::optional<double> ParseNumber(std::string_view s) {
  std::string str(Trim(s));
  if (str.empty()) return std::nullopt;
  std::string lower;
  for (char c : str)
    lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  if (lower == "inf" || lower == "+inf") return std::numeric_limits<double>::infinity();
  if (lower == "-inf") return -std::numeric_limits<double>::infinity();
  if (lower == "nan" || lower == "+nan" || lower == "-nan") {
    return std::numeric_limits<double>::quiet_NaN();
  }
  char* end = nullptr;
  double v = std::strtod(str.c_str(), &end);
  if (end != str.c_str() + str.size()) return std::nullopt;
  return v;
}

// Parses a quoted string (", ' or `) at s[*i] with Go escapes.
std::optional<std::string> ParseQuoted(std::string_view s, size_t* i) {
  char q = s[*i];
  ++*i;
  std::string out;
  while (*i < s.size()) {
    char c = s[(*i)++];
    if (c == q) return out;
    if (c != '\\' || q == '`') {
      out.push_back(c);
      continue;
    }
    if (*i >= s.size()) return std::nullopt;
    char e = s[(*i)++];
    switch (e) {
      case 'a':
        out.push_back('\a');
        break;
      case 'b':
        out.push_back('\b');
        break;
      case 'f':
        out.push_back('\f');
        break;
      case 'n':
        out.push_back('\n');
        break;
      case 'r':
        out.push_back('\r');
        break;
      case 't':
        out.push_back('\t');
        break;
      case 'v':
        out.push_back('\v');
        break;
      case 'x': {
        if (*i + 2 > s.size()) return std::nullopt;
        out.push_back(static_cast<char>(std::stoi(std::string(s.substr(*i, 2)), nullptr, 16)));
        *i += 2;
        break;
      }
      case 'u':
      case 'U': {
        size_t len = e == 'u' ? 4 : 8;
        if (*i + len > s.size()) return std::nullopt;
        uint32_t cp =
            static_cast<uint32_t>(std::stoul(std::string(s.substr(*i, len)), nullptr, 16));
        *i += len;
        if (cp < 0x80) {
          out.push_back(static_cast<char>(cp));
        } else if (cp < 0x800) {
          out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
          out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        } else if (cp < 0x10000) {
          out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
          out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
          out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        } else {
          out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
          out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
          out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
          out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        }
        break;
      }
      default:
        if (e >= '0' && e <= '7' && *i + 2 <= s.size()) {
          out.push_back(static_cast<char>(std::stoi(std::string(s.substr(*i - 1, 3)), nullptr, 8)));
          *i += 2;
        } else {
          out.push_back(e);
        }
    }
  }
  return std::nullopt;
}

bool IsMetricChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == ':';
}

// Parses `name{a="b", ...}` / `{...}` / `name` at the start of `s`; `*rest` gets the text
// after it.
std::optional<store::Labels> ParseSeries(std::string_view s, std::string_view* rest) {
  std::vector<store::Label> labels;
  size_t i = 0;
  while (i < s.size() && IsMetricChar(s[i])) ++i;
  if (i > 0) labels.push_back({std::string(store::kMetricNameLabel), std::string(s.substr(0, i))});
  if (i < s.size() && s[i] == '{') {
    ++i;
    while (true) {
      while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
      if (i >= s.size()) return std::nullopt;
      if (s[i] == '}') {
        ++i;
        break;
      }
      std::string name;
      if (s[i] == '"' || s[i] == '\'') {
        auto q = ParseQuoted(s, &i);
        if (!q) return std::nullopt;
        name = *q;
      } else {
        size_t j = i;
        while (j < s.size() && IsMetricChar(s[j])) ++j;
        name = std::string(s.substr(i, j - i));
        i = j;
      }
      while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
      if (i >= s.size() || s[i] != '=') {
        // A bare quoted name inside the braces is the metric name.
        if (i < s.size() && (s[i] == ',' || s[i] == '}')) {
          labels.push_back({std::string(store::kMetricNameLabel), name});
          if (s[i] == ',') ++i;
          continue;
        }
        return std::nullopt;
      }
      ++i;
      while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
      if (i >= s.size() || (s[i] != '"' && s[i] != '\'' && s[i] != '`')) return std::nullopt;
      auto v = ParseQuoted(s, &i);
      if (!v) return std::nullopt;
      labels.push_back({name, *v});
      while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
      if (i < s.size() && s[i] == ',') ++i;
    }
  }
  if (i == 0) return std::nullopt;
  *rest = s.substr(i);
  return store::Labels(std::move(labels));
}

// Expands the points notation ("1+2x3 _ stale _x2 {{...}}x4").
std::optional<std::vector<SeqValue>> ParseSequence(std::string_view s) {
  std::vector<SeqValue> out;
  static const RE2 kNum(
      R"(([+-]?(?:[Ii]nf|NaN|nan|[0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?|[0-9]+\.))(?:([+-])([+-]?(?:[Ii]nf|NaN|[0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)))?(?:x([0-9]+))?)");
  for (const std::string& tok : SplitPoints(s)) {
    if (tok == "_") {
      out.push_back({SeqValue::kGap});
      continue;
    }
    if (StartsWith(tok, "_x")) {
      int n = std::atoi(tok.c_str() + 2);
      for (int i = 0; i < n; ++i) out.push_back({SeqValue::kGap});
      continue;
    }
    if (tok == "stale") {
      out.push_back({SeqValue::kValue, std::bit_cast<double>(kStaleNaNBits)});
      continue;
    }
    if (tok.find("{{") != std::string::npos) {
      size_t x = tok.rfind("}}x");
      int n = x != std::string::npos ? std::atoi(tok.c_str() + x + 3) : 0;
      for (int i = 0; i <= n; ++i) out.push_back({SeqValue::kHistogram});
      continue;
    }
    std::string base, sign, delta, times;
    if (!RE2::FullMatch(tok, kNum, &base, &sign, &delta, &times)) return std::nullopt;
    auto b = ParseNumber(base);
    if (!b) return std::nullopt;
    if (times.empty()) {
      out.push_back({SeqValue::kValue, *b});
      continue;
    }
    double d = 0;
    if (!sign.empty()) {
      auto dv = ParseNumber(delta);
      if (!dv) return std::nullopt;
      d = sign == "-" ? -*dv : *dv;
    }
    int n = std::atoi(times.c_str());
    double v = *b;
    for (int i = 0; i <= n; ++i) {
      out.push_back({SeqValue::kValue, v});
      v += d;
    }
  }
  return out;
}

}  // namespace lm::promql::testing
