// Query results: the four PromQL value types. Plain values; thread compatible.
#pragma once

#include <bit>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "store/labels.h"

namespace lm::promql {

struct Scalar {
  int64_t t = 0;  // ms
  double v = 0;
};

struct String {
  int64_t t = 0;
  std::string v;
};

struct InstantSample {
  store::Labels labels;
  int64_t t = 0;
  double v = 0;
};

using Vector = std::vector<InstantSample>;

struct Point {
  int64_t t = 0;
  double v = 0;
};

struct RangeSeries {
  store::Labels labels;
  std::vector<Point> points;
};

using Matrix = std::vector<RangeSeries>;

using Value = std::variant<Scalar, String, Vector, Matrix>;

// Prometheus' error classes, which map to HTTP statuses in the API.
enum class ErrorType { kBadData, kExecution, kTimeout, kCanceled, kUnavailable, kInternal };

struct QueryError {
  ErrorType type;
  std::string message;
};

// What a query cost, in Prometheus' terms.
struct QueryStats {
  // Samples read to compute the result: one per output point of an instant vector
  // selector and, for range vector selectors, the samples in the window of every step
  // (Prometheus' totalQueryableSamples).
  uint64_t total_samples = 0;
  // The most samples held in memory at once (what the max-samples limit is checked on).
  uint64_t peak_samples = 0;
};

struct QueryResult {
  Value value;
  // Prometheus "annotations": warnings ("PromQL warning: ...") and infos ("PromQL info:
  // ..."), each ending with the position of the expression it is about, e.g. " (1:6)".
  std::vector<std::string> warnings;
  std::vector<std::string> infos;
  QueryStats stats;
};

// Prometheus' staleness marker: a NaN with this exact bit pattern ends a series.
inline constexpr uint64_t kStaleNaNBits = 0x7ff0000000000002ull;
inline bool IsStaleMarker(double v) { return std::bit_cast<uint64_t>(v) == kStaleNaNBits; }

}  // namespace lm::promql
