#include "collector/import/openmetrics_reader.h"

#include <cmath>
#include <cstdlib>
#include <limits>

#include <fmt/format.h>

#include "common/utf8.h"

namespace lm::collector {
namespace {

bool IsNameStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}
bool IsNameChar(char c) { return IsNameStart(c) || (c >= '0' && c <= '9'); }

// Parses a float as OpenMetrics writes them.
bool ParseValue(std::string_view s, double* out) {
  if (s == "+Inf" || s == "Inf" || s == "+inf" || s == "inf") {
    *out = std::numeric_limits<double>::infinity();
    return true;
  }
  if (s == "-Inf" || s == "-inf") {
    *out = -std::numeric_limits<double>::infinity();
    return true;
  }
  if (s == "NaN" || s == "nan") {
    *out = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  if (s.empty() || s.size() > 64) return false;
  std::string buf(s);
  char* end = nullptr;
  *out = std::strtod(buf.c_str(), &end);
  return end == buf.c_str() + buf.size() && std::isfinite(*out);
}

}  // namespace

Status OpenMetricsReader::Error(std::string_view why) const {
  return InvalidArgument(fmt::format("line {}: {}", line_, why));
}

std::string_view OpenMetricsReader::TypeOf(std::string_view name) const {
  if (auto it = types_.find(name); it != types_.end()) return it->second;
  for (std::string_view suffix :
       {"_total", "_bucket", "_count", "_sum", "_created", "_gcount", "_gsum", "_info"}) {
    if (name.size() > suffix.size() && name.ends_with(suffix)) {
      auto it = types_.find(name.substr(0, name.size() - suffix.size()));
      if (it != types_.end()) return it->second;
    }
  }
  return "unknown";
}

Result<OpenMetricsReader::LineKind> OpenMetricsReader::Feed(std::string_view line,
                                                            ImportedSample* sample) {
  ++line_;
  if (eof_) return Error("content after # EOF");
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line == "# EOF") {
    eof_ = true;
    return LineKind::kEof;
  }
  if (line.empty()) return Error("empty line (not allowed in OpenMetrics)");
  if (!IsValidUtf8(line)) return Error("not valid UTF-8");
  if (line[0] == '#') {
    // # TYPE name type | # HELP name text | # UNIT name unit
    if (line.starts_with("# TYPE ")) {
      std::string_view rest = line.substr(7);
      const size_t sp = rest.find(' ');
      if (sp == std::string_view::npos || sp == 0) return Error("malformed # TYPE line");
      types_[std::string(rest.substr(0, sp))] = std::string(rest.substr(sp + 1));
    } else if (!line.starts_with("# HELP ") && !line.starts_with("# UNIT ")) {
      return Error("unknown comment line (expected # TYPE, # HELP, # UNIT or # EOF)");
    }
    return LineKind::kMetadata;
  }
  size_t i = 0;
  if (!IsNameStart(line[0])) return Error("a sample line must start with a metric name");
  while (i < line.size() && IsNameChar(line[i])) ++i;
  sample->name.assign(line.substr(0, i));
  sample->labels.clear();
  if (i < line.size() && line[i] == '{') {
    ++i;
    while (i < line.size() && line[i] != '}') {
      const size_t name_start = i;
      if (!IsNameStart(line[i])) return Error("bad label name");
      while (i < line.size() && IsNameChar(line[i])) ++i;
      protocol::Label label;
      label.key.assign(line.substr(name_start, i - name_start));
      if (i + 1 >= line.size() || line[i] != '=' || line[i + 1] != '"') {
        return Error(fmt::format("expected =\" after label {}", label.key));
      }
      i += 2;
      for (;;) {
        if (i >= line.size()) return Error("unterminated label value");
        const char c = line[i++];
        if (c == '"') break;
        if (c != '\\') {
          label.value.push_back(c);
          continue;
        }
        if (i >= line.size()) return Error("unterminated escape in label value");
        const char e = line[i++];
        if (e == 'n') {
          label.value.push_back('\n');
        } else if (e == '\\' || e == '"') {
          label.value.push_back(e);
        } else {
          return Error(fmt::format("unknown escape \\{} in label value", e));
        }
      }
      sample->labels.push_back(std::move(label));
      if (i < line.size() && line[i] == ',') ++i;
    }
    if (i >= line.size()) return Error("unterminated label set");
    ++i;  // '}'
  }
  if (i >= line.size() || line[i] != ' ') return Error("expected a space before the value");
  ++i;
  const size_t value_end = line.find(' ', i);
  if (!ParseValue(line.substr(i, value_end == std::string_view::npos ? std::string_view::npos
                                                                     : value_end - i),
                  &sample->value)) {
    return Error("bad sample value");
  }
  if (value_end == std::string_view::npos) {
    return Error("the sample has no timestamp (import needs one per sample)");
  }
  std::string_view ts = line.substr(value_end + 1);
  if (const size_t hash = ts.find(" # "); hash != std::string_view::npos) {
    ts = ts.substr(0, hash);  // an exemplar follows: not imported
  }
  double seconds = 0;
  if (!ParseValue(ts, &seconds) || !std::isfinite(seconds) || seconds < 0 || seconds > 9.2e9) {
    return Error("bad timestamp (Unix seconds expected)");
  }
  sample->time_unix_nano = static_cast<int64_t>(std::llround(seconds * 1e9));
  return LineKind::kSample;
}

}  // namespace lm::collector
