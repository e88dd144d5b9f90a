// The PromQL evaluator, internal to the engine (use Engine from engine.h).
//
// Every node is evaluated over a whole grid of steps at once (an instant query is a grid of
// one step): an instant vector is a list of series, each with at most one point per step,
// so that label work (matching signatures, grouping keys, result label sets) is done once
// per series rather than once per step, and range vector selectors walk each series once
// with a sliding window. Label sets are shared between nodes (LabelsPtr) and only copied
// when an operation changes them.
//
// Thread compatible: one Evaluator (and QueryState) per query.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "common/result.h"
#include "promql/ast.h"
#include "promql/value.h"
#include "store/querier.h"

namespace lm::promql::eval {

using LabelsPtr = std::shared_ptr<const store::Labels>;

// The evaluation steps start, start + step, ... <= end. Empty when end < start.
struct Grid {
  int64_t start = 0;
  int64_t end = 0;
  int64_t step = 1;  // > 0

  size_t size() const { return end < start ? 0 : static_cast<size_t>((end - start) / step) + 1; }
  int64_t At(size_t i) const { return start + static_cast<int64_t>(i) * step; }
  // The index of a time on the grid.
  size_t Index(int64_t t) const { return static_cast<size_t>((t - start) / step); }
  // The same, guessing `hint` first (the step after a series' previous point), which saves
  // the division for consecutive steps.
  size_t IndexFrom(int64_t t, size_t hint) const { return At(hint) == t ? hint : Index(t); }
};

class QueryState;

// Samples held in memory, given back to the query's budget when destroyed. Move only.
class SampleLease {
 public:
  SampleLease() = default;
  SampleLease(QueryState* state, uint64_t n) : state_(state), n_(n) {}
  SampleLease(SampleLease&& o) noexcept : state_(o.state_), n_(std::exchange(o.n_, 0)) {}
  SampleLease& operator=(SampleLease&& o) noexcept;
  SampleLease(const SampleLease&) = delete;
  SampleLease& operator=(const SampleLease&) = delete;
  ~SampleLease() { Reset(); }
  void Reset();
  bool held() const { return n_ > 0; }

 private:
  QueryState* state_ = nullptr;
  uint64_t n_ = 0;
};

// One series of an instant vector (points on the grid, increasing t) or of a range vector
// (raw samples). `drop_name`: the metric name is removed at the end of the query
// (Prometheus 3's delayed name removal); until then __name__ stays in `labels`.
struct Series {
  LabelsPtr labels;
  std::vector<Point> points;
  bool drop_name = false;
};

struct ScalarVal {
  std::vector<double> v;  // one value per grid step
};
struct StringVal {
  std::string s;
};
struct VectorVal {
  std::vector<Series> series;
  SampleLease lease;
};
struct MatrixVal {
  std::vector<Series> series;
  SampleLease lease;
};
using Val = std::variant<ScalarVal, StringVal, VectorVal, MatrixVal>;

using EvalResult = Result<Val, QueryError>;
// Wraps a value for return from an EvalResult function.
template <typename T>
EvalResult Ok(T v) {
  return Val(std::move(v));
}
// No error, or the error that ends the query.
using EvalStatus = std::optional<QueryError>;

#define LM_EVAL_RETURN_IF_ERROR(expr)            \
  do {                                           \
    ::lm::promql::eval::EvalStatus s__ = (expr); \
    if (s__) return std::move(*s__);             \
  } while (0)

QueryError ExecError(std::string msg);
QueryError BadData(std::string msg);
// A storage failure: kUnavailable when the store says so, else kInternal.
QueryError StorageError(const Status& s);

// Per-query limits, stats and annotations.
class QueryState {
 public:
  QueryState(uint64_t max_samples, std::chrono::steady_clock::time_point deadline,
             const std::atomic<bool>* cancel, std::string_view query_text)
      : max_samples_(max_samples), deadline_(deadline), cancel_(cancel), query_(query_text) {}

  // A timeout or cancellation error once the deadline has passed or the query was
  // canceled. Cheap: the clock is read every few calls only.
  EvalStatus CheckInterrupt();
  // Takes `n` samples from the budget; the sample-limit error when it is exhausted.
  EvalStatus Reserve(uint64_t n);
  void Release(uint64_t n) { current_ -= n; }
  // Reserves the points of `series` and ties them to the returned lease.
  Result<SampleLease, QueryError> Lease(const std::vector<Series>& series);
  void AddTotalSamples(uint64_t n) { total_ += n; }

  // Annotations; `pos` is the byte offset of the expression they are about.
  void Warn(std::string_view msg, size_t pos);
  void Info(std::string_view msg, size_t pos);

  std::vector<std::string> TakeWarnings() { return std::move(warnings_); }
  std::vector<std::string> TakeInfos() { return std::move(infos_); }
  QueryStats stats() const { return QueryStats{total_, peak_}; }

 private:
  std::string Position(size_t pos) const;

  uint64_t max_samples_;
  std::chrono::steady_clock::time_point deadline_;
  const std::atomic<bool>* cancel_;
  std::string_view query_;
  uint64_t current_ = 0;
  uint64_t peak_ = 0;
  uint64_t total_ = 0;
  uint32_t calls_ = 0;
  std::set<std::string, std::less<>> seen_;
  std::vector<std::string> warnings_;
  std::vector<std::string> infos_;
};

struct QueryParams {
  int64_t query_start = 0;  // for @ start()
  int64_t query_end = 0;    // for @ end()
  int64_t step = 0;         // the range query step (0 for instant queries)
  int64_t lookback_ms = 5 * 60 * 1000;
  int64_t default_subquery_step_ms = 60 * 1000;
};

// The window of a range vector at one step: samples in (range_start, range_end].
struct Window {
  std::span<const Point> points;
  int64_t range_start = 0;
  int64_t range_end = 0;
  int64_t range_ms = 0;
  int64_t eval_t = 0;  // the step's time (not @-adjusted)
  double arg0 = 0;     // scalar arguments of the function at this step
  double arg1 = 0;
  // False when the window surely holds no counter reset (lets rate() skip its scan).
  bool maybe_resets = true;
};

class Evaluator {
 public:
  Evaluator(const store::Querier& querier, const QueryParams& params, QueryState* state)
      : querier_(querier), params_(params), state_(state) {}

  // Evaluates `e` at every step of `g`.
  EvalResult Eval(const Expr& e, const Grid& g);

 private:
  EvalResult Dispatch(const Expr& e, const Grid& g);
  Result<VectorVal, QueryError> EvalVector(const Expr& e, const Grid& g);
  Result<ScalarVal, QueryError> EvalScalar(const Expr& e, const Grid& g);
  Result<std::string, QueryError> EvalString(const Expr& e, const Grid& g);

  int64_t ResolveAt(const AtModifier& at) const;

  // eval_selector.cc
  EvalResult EvalVectorSelector(const VectorSelector& vs, const Grid& g, bool sample_times);
  EvalResult EvalRangeVectorValue(const Expr& e, const Grid& g);

  // eval_range.cc
  EvalResult EvalRangeFunction(const Call& call, const Grid& g);
  struct SubqueryResult {
    VectorVal inner;
    int64_t first_end = 0;  // the window end (@ and offset applied) at the first step
    bool fixed = false;     // @: every step has the same window
    int64_t offset_ms = 0;
    int64_t at = 0;
  };
  Result<SubqueryResult, QueryError> EvalSubquery(const SubqueryExpr& sq, const Grid& g);

  // eval_call.cc
  EvalResult EvalCall(const Call& call, const Grid& g);
  EvalResult EvalLabelFunction(const Call& call, const Grid& g);
  EvalResult EvalHistogramQuantile(const Call& call, const Grid& g);
  EvalResult EvalHistogramFraction(const Call& call, const Grid& g);
  // Groups the classic bucket series of `vector_arg` (by their labels without `le`) and
  // calls per_step(step index, buckets, &forced) -> value for every group and step that has
  // buckets; `function` names the caller in annotations. Defined in histogram_quantile.cc.
  template <typename PerStep>
  EvalResult EvalBucketGroups(const Call& call, const Expr& vector_arg, const Grid& g,
                              PerStep per_step, std::string_view function);

  // binary_ops.cc
  EvalResult EvalBinary(const BinaryExpr& b, const Grid& g);
  EvalResult EvalVectorBinary(const BinaryExpr& b, VectorVal lhs, VectorVal rhs, const Grid& g);
  EvalResult EvalSetOp(const BinaryExpr& b, VectorVal lhs, VectorVal rhs, const Grid& g);

  // aggregations.cc
  EvalResult EvalAggregate(const AggregateExpr& a, const Grid& g);
  EvalResult EvalTopK(const AggregateExpr& a, VectorVal in, const ScalarVal& param,
                      const std::vector<uint32_t>& group_of, size_t ngroups, const Grid& g);
  EvalResult EvalCountValues(VectorVal in, const std::string& label,
                             const std::vector<uint32_t>& group_of,
                             const std::vector<LabelsPtr>& group_labels, const Grid& g);

  const store::Querier& querier_;
  QueryParams params_;
  QueryState* state_;
};

// Shared helpers (eval_util.cc).

// The value type of an expression.
ValueType TypeOf(const Expr& e);
// `e` without enclosing parentheses.
const Expr* Unparen(const Expr* e);
// A label set without labels.
const LabelsPtr& EmptyLabels();
LabelsPtr MakeLabels(std::vector<store::Label> labels);
// Merges series with equal label sets (their points must not share a time: the
// "vector cannot contain metrics with the same labelset" error otherwise).
EvalStatus MergeSameLabels(std::vector<Series>* series);
// Removes __name__ from series marked drop_name.
void DropMarkedNames(std::vector<Series>* series);
// Go's strconv.FormatFloat(v, 'g', -1, 64) / fmt %g, as used in Prometheus' messages.
std::string GoFloat(double v);
// Go's strconv.Quote.
std::string GoQuote(std::string_view s);
// {a="b", c="d"}, Prometheus' labels.String().
std::string LabelsString(const store::Labels& l);
// Prometheus 3 label names: any non-empty valid UTF-8 string.
bool IsValidLabelName(std::string_view name);
// The key of a label set for matching and grouping: with `include`, the labels named in
// `names` (on(...), by(...)); otherwise all labels but those and __name__ (ignoring(...),
// without(...)). `names` must be sorted. Written to `key` (cleared first).
void SignatureKey(const store::Labels& labels, const std::vector<std::string>& names, bool include,
                  std::string* key);
// The labels that SignatureKey keys on.
LabelsPtr SignatureLabels(const store::Labels& labels, const std::vector<std::string>& names,
                          bool include);
// Sorted and deduplicated.
std::vector<std::string> SortedNames(std::vector<std::string> names);
// The label set of absent()/absent_over_time() for a selector's matchers.
LabelsPtr AbsentLabels(const std::vector<store::Matcher>& matchers);

}  // namespace lm::promql::eval
