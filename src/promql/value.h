// Query results: the four PromQL value types. Plain values; thread compatible.
#pragma once

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

struct QueryResult {
  Value value;
  std::vector<std::string> warnings;
};

// Prometheus' staleness marker: a NaN with this exact bit pattern ends a series.
inline constexpr uint64_t kStaleNaNBits = 0x7ff0000000000002ull;
bool IsStaleMarker(double v);

}  // namespace lm::promql
