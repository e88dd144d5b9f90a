// Reads OpenMetrics text (the format `promtool tsdb create-blocks-from openmetrics` takes)
// for backfill import: `# TYPE`/`# HELP`/`# UNIT` metadata, samples
//   name{label="value",...} value timestamp
// with timestamps in (fractional) Unix seconds, and the mandatory `# EOF` last line.
// Values: decimal or exponent floats, +Inf, -Inf, NaN. Label values use the escapes \\ \"
// \n. Samples without a timestamp cannot be imported and are refused.
//
// Feed it one line at a time (without the newline). Thread compatible.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "protocol/batch.h"

namespace lm::collector {

struct ImportedSample {
  std::string name;                     // the sample's metric name, e.g. http_requests_total
  std::vector<protocol::Label> labels;  // in the order written
  int64_t time_unix_nano = 0;
  double value = 0;
};

class OpenMetricsReader {
 public:
  enum class LineKind { kSample, kMetadata, kEof };

  // Parses one line. kSample fills *sample. InvalidArgument "line N: ..." for a malformed
  // line, a sample without timestamp, a line after # EOF.
  Result<LineKind> Feed(std::string_view line, ImportedSample* sample);

  // True once # EOF was read.
  bool done() const { return eof_; }

  // The declared type of the family a sample name belongs to ("counter", "gauge",
  // "histogram", "summary", ... or "unknown"): the family is the name itself or the name
  // without a _total/_bucket/_count/_sum/_created/_gcount/_gsum/_info suffix.
  std::string_view TypeOf(std::string_view sample_name) const;

  uint64_t line_number() const { return line_; }

 private:
  Status Error(std::string_view why) const;

  uint64_t line_ = 0;
  bool eof_ = false;
  std::map<std::string, std::string, std::less<>> types_;
};

}  // namespace lm::collector
