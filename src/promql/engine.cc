#include "promql/engine.h"

#include <bit>
#include <cmath>

#include <fmt/format.h>

#include "promql/parser.h"

namespace lm::promql {

bool IsStaleMarker(double v) { return std::bit_cast<uint64_t>(v) == kStaleNaNBits; }

namespace {

QueryError StorageError(const Status& s) {
  ErrorType type =
      s.code() == StatusCode::kUnavailable ? ErrorType::kUnavailable : ErrorType::kInternal;
  return QueryError{type, s.message()};
}

}  // namespace

Result<QueryResult, QueryError> Engine::InstantQuery(const store::Querier& querier,
                                                     std::string_view query, int64_t t_ms) const {
  auto parsed = ParseExpr(query);
  if (!parsed.ok()) return QueryError{ErrorType::kBadData, parsed.error().message()};
  const Expr& expr = **parsed;
  QueryResult result;
  if (const auto* n = std::get_if<NumberLiteral>(&expr.node)) {
    result.value = Scalar{t_ms, n->value};
    return result;
  }
  if (const auto* s = std::get_if<StringLiteral>(&expr.node)) {
    result.value = String{t_ms, s->value};
    return result;
  }
  const auto& vs = std::get<VectorSelector>(expr.node);
  // The lookback window is (t - lookback, t].
  auto selected = querier.Select(vs.matchers, t_ms - options_.lookback_delta_ms + 1, t_ms);
  if (!selected.ok()) return StorageError(selected.error());
  Vector out;
  uint64_t loaded = 0;
  for (const store::SeriesPtr& s : *selected) {
    auto it = s->Iterator();
    bool have = false;
    double v = 0;
    while (it->Next()) {
      have = true;
      v = it->v();
      if (++loaded > options_.max_samples) {
        return QueryError{ErrorType::kExecution,
                          "query processing would load too many samples into memory in query "
                          "execution"};
      }
    }
    if (!have || IsStaleMarker(v)) continue;
    out.push_back(InstantSample{s->labels(), t_ms, v});
  }
  result.value = std::move(out);
  return result;
}

}  // namespace lm::promql
