// The PromQL engine: evaluates parsed queries against a store::Querier. Thread safe: one
// Engine may serve concurrent queries.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/result.h"
#include "promql/value.h"
#include "store/querier.h"

namespace lm::promql {

struct EngineOptions {
  int64_t lookback_delta_ms = 5 * 60 * 1000;
  uint64_t max_samples = 50'000'000;  // samples loaded per query before failing
};

class Engine {
 public:
  explicit Engine(EngineOptions options) : options_(options) {}

  // Evaluates `query` at `t_ms`. Errors: kBadData for parse errors and unsupported syntax,
  // kExecution when the sample limit is hit, kUnavailable when storage cannot be read.
  Result<QueryResult, QueryError> InstantQuery(const store::Querier& querier,
                                               std::string_view query, int64_t t_ms) const;

 private:
  EngineOptions options_;
};

}  // namespace lm::promql
