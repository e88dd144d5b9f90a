// The PromQL engine: evaluates parsed queries against a store::Querier with Prometheus 3.x
// semantics (native histograms excepted). Thread safe and reentrant: one Engine may serve
// any number of concurrent queries; all per-query state lives on the calling thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string_view>

#include "common/result.h"
#include "promql/ast.h"
#include "promql/value.h"
#include "store/querier.h"

namespace lm::promql {

struct EngineOptions {
  int64_t lookback_delta_ms = 5 * 60 * 1000;
  uint64_t max_samples = 50'000'000;  // samples held in memory per query before failing
  std::chrono::milliseconds timeout{2 * 60 * 1000};
  // The step of subqueries written without one (`x[5m:]`): Prometheus' global evaluation
  // interval.
  int64_t default_subquery_step_ms = 60 * 1000;
};

// Per-query overrides; zero fields take the engine's defaults.
struct QueryOptions {
  int64_t lookback_delta_ms = 0;
  uint64_t max_samples = 0;
  std::chrono::milliseconds timeout{0};
  // Set (by another thread) to abandon the query; checked during evaluation. Not owned;
  // must outlive the call.
  const std::atomic<bool>* cancel = nullptr;
};

class Engine {
 public:
  explicit Engine(EngineOptions options) : options_(options) {}

  // Evaluates `query` at `t_ms`. The result is a Scalar, String, Vector or (for a range
  // vector expression) Matrix, plus annotations and stats. Errors: kBadData for parse
  // errors and malformed arguments, kExecution for evaluation errors (many-to-many
  // matching, duplicate label sets, the sample limit, ...), kTimeout / kCanceled when the
  // deadline passes or `cancel` is set, kUnavailable / kInternal when storage fails.
  Result<QueryResult, QueryError> InstantQuery(const store::Querier& querier,
                                               std::string_view query, int64_t t_ms,
                                               const QueryOptions& opts = {}) const;
  // The same for an already parsed tree. `query_text` (optional) is the text `expr` was
  // parsed from; annotation positions are computed from it.
  Result<QueryResult, QueryError> InstantQuery(const store::Querier& querier, const Expr& expr,
                                               int64_t t_ms, const QueryOptions& opts = {},
                                               std::string_view query_text = {}) const;

  // Evaluates `query` at start, start + step, ... <= end (ms). The result is a Matrix sorted
  // by labels (a scalar expression gives one series without labels). Errors as for
  // InstantQuery; kBadData also when step <= 0, end < start or the expression is not a
  // scalar or instant vector.
  Result<QueryResult, QueryError> RangeQuery(const store::Querier& querier, std::string_view query,
                                             int64_t start_ms, int64_t end_ms, int64_t step_ms,
                                             const QueryOptions& opts = {}) const;
  Result<QueryResult, QueryError> RangeQuery(const store::Querier& querier, const Expr& expr,
                                             int64_t start_ms, int64_t end_ms, int64_t step_ms,
                                             const QueryOptions& opts = {},
                                             std::string_view query_text = {}) const;

 private:
  Result<QueryResult, QueryError> Run(const store::Querier& querier, const Expr& expr,
                                      int64_t start_ms, int64_t end_ms, int64_t step_ms, bool range,
                                      const QueryOptions& opts, std::string_view query_text) const;

  EngineOptions options_;
};

}  // namespace lm::promql
