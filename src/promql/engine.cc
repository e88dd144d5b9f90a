#include "promql/engine.h"

#include <algorithm>

#include <fmt/format.h>

#include "promql/evaluator.h"
#include "promql/functions.h"
#include "promql/parser.h"

namespace lm::promql {

namespace {

using eval::Series;

std::string_view TypeName(ValueType t) {
  switch (t) {
    case ValueType::kScalar:
      return "scalar";
    case ValueType::kString:
      return "string";
    case ValueType::kVector:
      return "instant vector";
    case ValueType::kMatrix:
      return "range vector";
  }
  return "unknown";
}

// Prometheus warns about sort functions in range queries, whose results are always
// ordered by labels.
void WarnSortInRange(const Expr& e, eval::QueryState* state) {
  std::visit(
      [&](const auto& n) {
        using T = std::decay_t<decltype(n)>;
        if constexpr (std::is_same_v<T, ParenExpr> || std::is_same_v<T, UnaryExpr>) {
          WarnSortInRange(*n.expr, state);
        } else if constexpr (std::is_same_v<T, SubqueryExpr>) {
          WarnSortInRange(*n.expr, state);
        } else if constexpr (std::is_same_v<T, BinaryExpr>) {
          WarnSortInRange(*n.lhs, state);
          WarnSortInRange(*n.rhs, state);
        } else if constexpr (std::is_same_v<T, AggregateExpr>) {
          if (n.param != nullptr) WarnSortInRange(*n.param, state);
          WarnSortInRange(*n.expr, state);
        } else if constexpr (std::is_same_v<T, Call>) {
          std::string_view name = n.function->name;
          if (name == "sort" || name == "sort_desc" || name == "sort_by_label" ||
              name == "sort_by_label_desc") {
            state->Warn(
                "sort is ineffective for range queries since results are always ordered by "
                "labels",
                e.pos);
          }
          for (const ExprPtr& a : n.args) WarnSortInRange(*a, state);
        }
      },
      e.node);
}

Result<Vector, QueryError> ToVector(std::vector<Series> series, int64_t t) {
  eval::DropMarkedNames(&series);
  Vector out;
  out.reserve(series.size());
  for (Series& s : series) {
    for (const Point& p : s.points) out.push_back(InstantSample{*s.labels, t, p.v});
  }
  if (out.size() > 1) {
    // Equal label sets have equal hashes: only those are compared.
    std::vector<std::pair<uint64_t, size_t>> hashes;
    hashes.reserve(out.size());
    for (size_t i = 0; i < out.size(); ++i) hashes.emplace_back(out[i].labels.Hash(), i);
    std::sort(hashes.begin(), hashes.end());
    for (size_t i = 1; i < hashes.size(); ++i) {
      if (hashes[i].first != hashes[i - 1].first) continue;
      for (size_t j = i; j-- > 0 && hashes[j].first == hashes[i].first;) {
        if (out[hashes[i].second].labels == out[hashes[j].second].labels) {
          return eval::ExecError("vector cannot contain metrics with the same labelset");
        }
      }
    }
  }
  return out;
}

Result<Matrix, QueryError> ToMatrix(std::vector<Series> series, bool sort) {
  eval::DropMarkedNames(&series);
  if (auto err = eval::MergeSameLabels(&series)) return std::move(*err);
  Matrix out;
  out.reserve(series.size());
  for (Series& s : series) out.push_back(RangeSeries{*s.labels, std::move(s.points)});
  if (sort) {
    std::sort(out.begin(), out.end(),
              [](const RangeSeries& a, const RangeSeries& b) { return a.labels < b.labels; });
  }
  return out;
}

}  // namespace

Result<QueryResult, QueryError> Engine::InstantQuery(const store::Querier& querier,
                                                     std::string_view query, int64_t t_ms,
                                                     const QueryOptions& opts) const {
  auto parsed = ParseExpr(query);
  if (!parsed.ok()) return QueryError{ErrorType::kBadData, parsed.error().message()};
  return InstantQuery(querier, **parsed, t_ms, opts, query);
}

Result<QueryResult, QueryError> Engine::InstantQuery(const store::Querier& querier,
                                                     const Expr& expr, int64_t t_ms,
                                                     const QueryOptions& opts,
                                                     std::string_view query_text) const {
  return Run(querier, expr, t_ms, t_ms, 0, false, opts, query_text);
}

Result<QueryResult, QueryError> Engine::RangeQuery(const store::Querier& querier,
                                                   std::string_view query, int64_t start_ms,
                                                   int64_t end_ms, int64_t step_ms,
                                                   const QueryOptions& opts) const {
  auto parsed = ParseExpr(query);
  if (!parsed.ok()) return QueryError{ErrorType::kBadData, parsed.error().message()};
  return RangeQuery(querier, **parsed, start_ms, end_ms, step_ms, opts, query);
}

Result<QueryResult, QueryError> Engine::RangeQuery(const store::Querier& querier, const Expr& expr,
                                                   int64_t start_ms, int64_t end_ms,
                                                   int64_t step_ms, const QueryOptions& opts,
                                                   std::string_view query_text) const {
  if (step_ms <= 0) {
    return QueryError{ErrorType::kBadData,
                      "zero or negative query resolution step widths are not accepted. Try a "
                      "positive integer"};
  }
  if (end_ms < start_ms) {
    return QueryError{ErrorType::kBadData, "end timestamp must not be before start time"};
  }
  ValueType type = eval::TypeOf(expr);
  if (type != ValueType::kScalar && type != ValueType::kVector) {
    return QueryError{ErrorType::kBadData,
                      fmt::format("invalid expression type \"{}\" for range query, must be "
                                  "Scalar or instant Vector",
                                  TypeName(type))};
  }
  return Run(querier, expr, start_ms, end_ms, step_ms, true, opts, query_text);
}

Result<QueryResult, QueryError> Engine::Run(const store::Querier& querier, const Expr& expr,
                                            int64_t start_ms, int64_t end_ms, int64_t step_ms,
                                            bool range, const QueryOptions& opts,
                                            std::string_view query_text) const {
  const auto timeout = opts.timeout.count() > 0 ? opts.timeout : options_.timeout;
  eval::QueryState state(opts.max_samples > 0 ? opts.max_samples : options_.max_samples,
                         std::chrono::steady_clock::now() + timeout, opts.cancel, query_text);
  eval::QueryParams params;
  params.query_start = start_ms;
  params.query_end = end_ms;
  params.step = step_ms;
  params.lookback_ms =
      opts.lookback_delta_ms > 0 ? opts.lookback_delta_ms : options_.lookback_delta_ms;
  params.default_subquery_step_ms = options_.default_subquery_step_ms;
  if (range) WarnSortInRange(expr, &state);
  eval::Evaluator ev(querier, params, &state);
  eval::Grid grid{start_ms, end_ms, range ? step_ms : 1};
  LM_ASSIGN_OR_RETURN(eval::Val v, ev.Eval(expr, grid));

  QueryResult result;
  if (auto* s = std::get_if<eval::ScalarVal>(&v)) {
    if (range) {
      RangeSeries series{store::Labels(), {}};
      for (size_t i = 0; i < s->v.size(); ++i) series.points.push_back(Point{grid.At(i), s->v[i]});
      result.value = Matrix{std::move(series)};
    } else {
      result.value = Scalar{start_ms, s->v.empty() ? 0 : s->v[0]};
    }
  } else if (auto* str = std::get_if<eval::StringVal>(&v)) {
    result.value = String{start_ms, std::move(str->s)};
  } else if (auto* vec = std::get_if<eval::VectorVal>(&v)) {
    if (range) {
      LM_ASSIGN_OR_RETURN(result.value, ToMatrix(std::move(vec->series), true));
    } else {
      LM_ASSIGN_OR_RETURN(result.value, ToVector(std::move(vec->series), start_ms));
    }
  } else {
    auto& mat = std::get<eval::MatrixVal>(v);
    LM_ASSIGN_OR_RETURN(result.value, ToMatrix(std::move(mat.series), false));
  }
  result.warnings = state.TakeWarnings();
  result.infos = state.TakeInfos();
  result.stats = state.stats();
  return result;
}

}  // namespace lm::promql
