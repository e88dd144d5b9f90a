#include "promql/engine.h"

#include <gtest/gtest.h>

#include <atomic>
#include <bit>
#include <cmath>
#include <map>
#include <thread>

#include "promql/functions.h"
#include "store/mem_store.h"

namespace lm::promql {
namespace {

// Syntax trees are built by hand here so that these tests do not depend on the parser.

store::Labels L(std::string name, std::string k, std::string v) {
  return store::Labels(std::vector<store::Label>{{"__name__", name}, {k, v}});
}

store::Matcher Eq(std::string name, std::string value) {
  return *store::Matcher::Create(store::MatchType::kEqual, std::move(name), std::move(value));
}

VectorSelector VS(std::string name, std::vector<store::Matcher> matchers = {}) {
  VectorSelector vs;
  vs.name = name;
  vs.matchers = std::move(matchers);
  vs.matchers.push_back(Eq("__name__", name));
  return vs;
}

ExprPtr Sel(std::string name, std::vector<store::Matcher> matchers = {}) {
  return MakeExpr(VS(std::move(name), std::move(matchers)));
}

ExprPtr Range(std::string name, int64_t range_ms, std::vector<store::Matcher> matchers = {}) {
  MatrixSelector ms;
  ms.selector = VS(std::move(name), std::move(matchers));
  ms.range_ms = range_ms;
  return MakeExpr(std::move(ms));
}

ExprPtr Num(double v) { return MakeExpr(NumberLiteral{v}); }

ExprPtr Fn(std::string_view name, std::vector<ExprPtr> args) {
  Call c;
  c.function = FindFunction(name);
  EXPECT_NE(c.function, nullptr) << name;
  c.args = std::move(args);
  return MakeExpr(std::move(c));
}

template <typename... A>
ExprPtr Fn(std::string_view name, A... args) {
  std::vector<ExprPtr> v;
  (v.push_back(std::move(args)), ...);
  return Fn(name, std::move(v));
}

ExprPtr Bin(BinaryOp op, ExprPtr l, ExprPtr r, std::optional<VectorMatching> m = std::nullopt) {
  BinaryExpr b;
  b.op = op;
  b.lhs = std::move(l);
  b.rhs = std::move(r);
  b.matching = std::move(m);
  return MakeExpr(std::move(b));
}

ExprPtr Agg(AggregateOp op, ExprPtr e, std::vector<std::string> by = {}, ExprPtr param = nullptr) {
  AggregateExpr a;
  a.op = op;
  a.expr = std::move(e);
  a.grouping = std::move(by);
  a.param = std::move(param);
  return MakeExpr(std::move(a));
}

ExprPtr Subquery(ExprPtr e, int64_t range_ms, int64_t step_ms, int64_t offset_ms = 0) {
  SubqueryExpr s;
  s.expr = std::move(e);
  s.range_ms = range_ms;
  s.step_ms = step_ms;
  s.offset_ms = offset_ms;
  return MakeExpr(std::move(s));
}

VectorMatching On(std::vector<std::string> labels,
                  VectorMatching::Card card = VectorMatching::Card::kOneToOne) {
  VectorMatching m;
  m.on = true;
  m.labels = std::move(labels);
  m.card = card;
  return m;
}

const Vector& Vec(const Result<QueryResult, QueryError>& r) {
  EXPECT_TRUE(r.ok()) << r.error().message;
  return std::get<Vector>(r->value);
}

double Only(const Result<QueryResult, QueryError>& r) {
  const Vector& v = Vec(r);
  EXPECT_EQ(v.size(), 1u);
  return v.empty() ? std::nan("") : v[0].v;
}

double Stale() { return std::bit_cast<double>(kStaleNaNBits); }

TEST(EngineTest, InstantSelectorWithLookback) {
  store::MemStore st;
  st.Append(L("up", "a", "1"), 1'000'000, 1);
  st.Append(L("up", "a", "2"), 1'000'000 - 400'000, 7);  // older than 5m at t
  st.Append(L("up", "a", "3"), 1'000'000, Stale());
  st.Append(L("up", "a", "4"), 1'100'000, 4);  // after t
  Engine e(EngineOptions{});
  auto r = e.InstantQuery(st, *Sel("up"), 1'000'000);
  const Vector& v = Vec(r);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].labels.Get("a"), "1");
  EXPECT_EQ(v[0].t, 1'000'000);
  EXPECT_EQ(v[0].v, 1);
  // The latest sample within the window wins; the window is (t - 5m, t].
  EXPECT_EQ(Vec(e.InstantQuery(st, *Sel("up"), 1'200'000)).size(), 2u);
  EXPECT_EQ(Vec(e.InstantQuery(st, *Sel("up"), 1'299'999)).size(), 2u);
  EXPECT_EQ(Vec(e.InstantQuery(st, *Sel("up"), 1'300'000)).size(), 1u);
}

TEST(EngineTest, StalenessMarkerEndsSeries) {
  store::MemStore st;
  auto l = L("m", "a", "1");
  st.Append(l, 0, 1);
  st.Append(l, 10'000, 2);
  st.Append(l, 20'000, Stale());
  st.Append(l, 30'000, 3);
  Engine e(EngineOptions{});
  EXPECT_EQ(Only(e.InstantQuery(st, *Sel("m"), 15'000)), 2);
  EXPECT_TRUE(Vec(e.InstantQuery(st, *Sel("m"), 25'000)).empty());
  EXPECT_EQ(Only(e.InstantQuery(st, *Sel("m"), 30'000)), 3);
  // Range vectors skip the marker.
  EXPECT_EQ(Only(e.InstantQuery(st, *Fn("count_over_time", Range("m", 60'000)), 30'000)), 3);
  // A range query goes through the same per-step semantics.
  auto r = e.RangeQuery(st, *Sel("m"), 0, 40'000, 5'000);
  ASSERT_TRUE(r.ok());
  const Matrix& m = std::get<Matrix>(r->value);
  ASSERT_EQ(m.size(), 1u);
  std::vector<int64_t> ts;
  for (const Point& p : m[0].points) ts.push_back(p.t);
  EXPECT_EQ(ts, (std::vector<int64_t>{0, 5'000, 10'000, 15'000, 30'000, 35'000, 40'000}));
}

TEST(EngineTest, RateExtrapolation) {
  store::MemStore st;
  // 60, 300, 540 at 0, 4m, 8m: at 10m, rate over 20m extrapolates to the start only as far
  // as the counter's zero point (60s before the first sample, less than half an interval)
  // and to the end by the 2m gap (within 110% of the 4m interval).
  for (int i = 0; i < 3; ++i) st.Append(L("c_total", "a", "1"), i * 240'000, 60 + 240.0 * i);
  Engine e(EngineOptions{});
  EXPECT_DOUBLE_EQ(Only(e.InstantQuery(st, *Fn("rate", Range("c_total", 1'200'000)), 600'000)),
                   0.55);
  EXPECT_DOUBLE_EQ(Only(e.InstantQuery(st, *Fn("increase", Range("c_total", 1'200'000)), 600'000)),
                   660);
  // With a reset the value before the reset is added.
  store::MemStore st2;
  const double vals[] = {10, 20, 5, 15};
  for (int i = 0; i < 4; ++i) st2.Append(L("r_total", "a", "1"), i * 60'000, vals[i]);
  // (15 - 10 + 20) over 180s, extrapolated by 30s at the start (the window starts 2m
  // before the first sample; the zero point is 72s before it): 25 * 210 / 180.
  EXPECT_DOUBLE_EQ(Only(e.InstantQuery(st2, *Fn("increase", Range("r_total", 300'000)), 180'000)),
                   25.0 * 210 / 180);
  EXPECT_DOUBLE_EQ(Only(e.InstantQuery(st2, *Fn("irate", Range("r_total", 300'000)), 180'000)),
                   10.0 / 60);
  EXPECT_DOUBLE_EQ(Only(e.InstantQuery(st2, *Fn("delta", Range("r_total", 300'000)), 180'000)),
                   5.0 * 210 / 180);
}

TEST(EngineTest, RateInfoForNonCounterNames) {
  store::MemStore st;
  st.Append(L("temperature", "a", "1"), 0, 1);
  st.Append(L("temperature", "a", "1"), 60'000, 2);
  Engine e(EngineOptions{});
  auto r = e.InstantQuery(st, *Fn("rate", Range("temperature", 120'000)), 60'000);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->infos.size(), 1u);
  EXPECT_EQ(r->infos[0],
            "PromQL info: metric might not be a counter, name does not end in "
            "_total/_sum/_count/_bucket: \"temperature\" (1:1)");
  EXPECT_TRUE(r->warnings.empty());
}

TEST(EngineTest, HistogramQuantile) {
  store::MemStore st;
  auto bucket = [&](std::string job, std::string le, double v) {
    st.Append(store::Labels({{"__name__", "h_bucket"}, {"job", job}, {"le", le}}), 0, v);
  };
  bucket("a", "0.1", 10);
  bucket("a", "0.2", 30);
  bucket("a", "+Inf", 40);
  bucket("b", "1", 20);
  bucket("b", "10", 10);  // not monotonic: fixed up to 20
  bucket("b", "+Inf", 40);
  bucket("c", "1", 5);  // no +Inf bucket
  Engine e(EngineOptions{});
  auto q = [&](double phi) {
    return e.InstantQuery(st, *Fn("histogram_quantile", Num(phi), Sel("h_bucket")), 0);
  };
  auto r = q(0.5);
  const Vector& v = Vec(r);
  ASSERT_EQ(v.size(), 3u);
  std::map<std::string, double> got;
  for (const InstantSample& s : v) {
    EXPECT_FALSE(s.labels.Has("__name__"));
    EXPECT_FALSE(s.labels.Has("le"));
    got[std::string(s.labels.Get("job"))] = s.v;
  }
  EXPECT_DOUBLE_EQ(got["a"], 0.15);
  // Counts 20, 10 -> 20, 40: rank 20 is reached at the end of the first bucket.
  EXPECT_DOUBLE_EQ(got["b"], 1);
  EXPECT_TRUE(std::isnan(got["c"]));
  ASSERT_EQ(r->infos.size(), 1u);
  EXPECT_NE(r->infos[0].find("needed to be fixed for monotonicity"), std::string::npos);
  // Quantiles outside [0, 1] give -Inf/+Inf and a warning.
  auto low = q(-1);
  ASSERT_TRUE(low.ok());
  EXPECT_EQ(std::get<Vector>(low->value)[0].v, -INFINITY);
  ASSERT_EQ(low->warnings.size(), 1u);
  EXPECT_EQ(low->warnings[0],
            "PromQL warning: quantile value should be between 0 and 1, got -1 (1:1)");
}

TEST(EngineTest, VectorMatchingErrors) {
  store::MemStore st;
  st.Append(store::Labels({{"__name__", "many"}, {"job", "x"}, {"i", "1"}}), 0, 1);
  st.Append(store::Labels({{"__name__", "many"}, {"job", "x"}, {"i", "2"}}), 0, 2);
  st.Append(store::Labels({{"__name__", "one"}, {"job", "x"}}), 0, 10);
  Engine e(EngineOptions{});
  auto r = e.InstantQuery(st, *Bin(BinaryOp::kMul, Sel("many"), Sel("one"), On({"job"})), 0);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().type, ErrorType::kExecution);
  EXPECT_EQ(r.error().message,
            "multiple matches for labels: many-to-one matching must be explicit "
            "(group_left/group_right)");
  // Comparisons report it too, even when every pair would be filtered out.
  r = e.InstantQuery(st, *Bin(BinaryOp::kGtr, Sel("many"), Sel("one"), On({"job"})), 0);
  ASSERT_FALSE(r.ok());
  r = e.InstantQuery(
      st,
      *Bin(BinaryOp::kMul, Sel("one"), Sel("many"), On({"job"}, VectorMatching::Card::kManyToOne)),
      0);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message,
            "found duplicate series for the match group {job=\"x\"} on the right hand-side of the "
            "operation: [{__name__=\"many\", i=\"1\", job=\"x\"}, {__name__=\"many\", i=\"2\", "
            "job=\"x\"}];many-to-many matching not allowed: matching labels must be unique on one "
            "side");
  // group_left is fine and keeps the "many" side's labels.
  r = e.InstantQuery(
      st,
      *Bin(BinaryOp::kMul, Sel("many"), Sel("one"), On({"job"}, VectorMatching::Card::kManyToOne)),
      0);
  const Vector& v = Vec(r);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].labels, store::Labels({{"job", "x"}, {"i", "1"}}));
  EXPECT_EQ(v[1].v, 20);
}

TEST(EngineTest, DuplicateLabelSetsAfterNameRemoval) {
  store::MemStore st;
  st.Append(L("a", "x", "1"), 0, 1);
  st.Append(L("b", "x", "1"), 0, 2);
  VectorSelector vs;
  vs.matchers.push_back(*store::Matcher::Create(store::MatchType::kRegexMatch, "__name__", "a|b"));
  Engine e(EngineOptions{});
  auto r = e.InstantQuery(st, *Fn("abs", MakeExpr(std::move(vs))), 0);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "vector cannot contain metrics with the same labelset");
}

TEST(EngineTest, SubqueryStepsAreAligned) {
  store::MemStore st;
  for (int i = 0; i <= 100; ++i) st.Append(L("m_total", "a", "1"), i * 10'000, i);
  Engine e(EngineOptions{});
  // Multiples of 7s in (940s, 1000s]: 945s ... 994s.
  EXPECT_EQ(Only(e.InstantQuery(st, *Fn("count_over_time", Subquery(Sel("m_total"), 60'000, 7'000)),
                                1'000'000)),
            8);
  // The values at 980s, 990s and 1000s, whatever the offset within a step.
  for (int64_t offset : {10'000, 9'000, 3'000}) {
    EXPECT_EQ(
        Only(e.InstantQuery(
            st, *Fn("sum_over_time", Subquery(Sel("m_total"), 30'000, 10'000, offset)), 1'010'000)),
        297)
        << offset;
  }
}

TEST(EngineTest, RangeQueryEqualsInstantQueryAtEachStep) {
  store::MemStore st;
  // Irregular samples with resets, gaps and a staleness marker.
  int64_t t = 0;
  double v = 0;
  for (int i = 0; i < 400; ++i) {
    t += 7'000 + (i * 7919) % 23'000;
    v = (i % 97 == 0) ? 1 : v + (i % 5);
    if (i % 131 == 0) {
      st.Append(L("x_total", "k", "a"), t, Stale());
      continue;
    }
    st.Append(L("x_total", "k", "a"), t, v);
    if (i % 3 != 0) st.Append(L("x_total", "k", "b"), t + 1'000, v * 2);
  }
  std::vector<ExprPtr> exprs;
  exprs.push_back(Sel("x_total"));
  exprs.push_back(Fn("rate", Range("x_total", 300'000)));
  exprs.push_back(Fn("increase", Range("x_total", 90'000)));
  exprs.push_back(Fn("irate", Range("x_total", 60'000)));
  exprs.push_back(Fn("avg_over_time", Range("x_total", 600'000)));
  exprs.push_back(Fn("max_over_time", Range("x_total", 45'000)));
  exprs.push_back(Fn("deriv", Range("x_total", 600'000)));
  exprs.push_back(Fn("resets", Range("x_total", 1'200'000)));
  exprs.push_back(Agg(AggregateOp::kSum, Fn("rate", Range("x_total", 300'000))));
  exprs.push_back(Agg(AggregateOp::kTopk, Sel("x_total"), {}, Num(1)));
  exprs.push_back(
      Fn("max_over_time", Subquery(Fn("rate", Range("x_total", 120'000)), 600'000, 30'000)));
  exprs.push_back(Bin(BinaryOp::kDiv, Sel("x_total"), Agg(AggregateOp::kSum, Sel("x_total")),
                      On({}, VectorMatching::Card::kManyToOne)));
  Engine e(EngineOptions{});
  const int64_t start = 100'000, end = 4'000'000, step = 37'000;
  for (size_t i = 0; i < exprs.size(); ++i) {
    auto r = e.RangeQuery(st, *exprs[i], start, end, step);
    ASSERT_TRUE(r.ok()) << i << ": " << r.error().message;
    std::map<std::pair<std::string, int64_t>, double> range_points;
    for (const RangeSeries& s : std::get<Matrix>(r->value)) {
      for (const Point& p : s.points) range_points[{s.labels.ToString(), p.t}] = p.v;
    }
    size_t instant_points = 0;
    for (int64_t ts = start; ts <= end; ts += step) {
      auto ir = e.InstantQuery(st, *exprs[i], ts);
      ASSERT_TRUE(ir.ok()) << i << ": " << ir.error().message;
      for (const InstantSample& s : std::get<Vector>(ir->value)) {
        ++instant_points;
        auto it = range_points.find({s.labels.ToString(), ts});
        ASSERT_NE(it, range_points.end()) << i << " " << s.labels.ToString() << " at " << ts;
        if (std::isnan(s.v)) {
          EXPECT_TRUE(std::isnan(it->second));
        } else {
          EXPECT_EQ(it->second, s.v) << i << " at " << ts;
        }
      }
    }
    EXPECT_EQ(instant_points, range_points.size()) << i;
    EXPECT_GT(instant_points, 0u) << i;
  }
}

TEST(EngineTest, EveryFunctionOfTheTableEvaluates) {
  store::MemStore st;
  for (int i = 0; i < 10; ++i) {
    st.Append(store::Labels({{"__name__", "x"}, {"a", "1"}, {"le", "+Inf"}}), i * 10'000, i);
  }
  Engine e(EngineOptions{});
  for (const FunctionInfo& f : AllFunctions()) {
    std::vector<ExprPtr> args;
    for (size_t i = 0; i < f.arg_types.size(); ++i) {
      switch (f.arg_types[i]) {
        case ValueType::kScalar:
          args.push_back(Num(0.5));
          break;
        case ValueType::kVector:
          args.push_back(Sel("x"));
          break;
        case ValueType::kMatrix:
          args.push_back(Range("x", 60'000));
          break;
        case ValueType::kString:
          args.push_back(MakeExpr(StringLiteral{i == 4 ? ".*" : "a"}));
          break;
      }
    }
    auto expr = Fn(f.name, std::move(args));
    auto instant = e.InstantQuery(st, *expr, 90'000);
    EXPECT_TRUE(instant.ok()) << f.name << ": " << instant.error().message;
    auto range = e.RangeQuery(st, *expr, 0, 90'000, 10'000);
    EXPECT_TRUE(range.ok()) << f.name << ": " << range.error().message;
  }
}

// Functions Prometheus has behind feature flags and functions.h may gain: the engine
// dispatches on the name, so they work as soon as the table lists them.
TEST(EngineTest, FunctionsBeyondTheTable) {
  store::MemStore st;
  const double vals[] = {3, 1, 4, 1, 5};
  for (int i = 0; i < 5; ++i) st.Append(L("m", "a", "1"), i * 10'000, vals[i]);
  Engine e(EngineOptions{});
  auto call = [](const FunctionInfo* f, std::vector<ExprPtr> args) {
    Call c;
    c.function = f;
    c.args = std::move(args);
    return MakeExpr(std::move(c));
  };
  const FunctionInfo first{"first_over_time", {ValueType::kMatrix}, 0, ValueType::kVector};
  const FunctionInfo ts_max{"ts_of_max_over_time", {ValueType::kMatrix}, 0, ValueType::kVector};
  const FunctionInfo min_of{
      "min_of", {ValueType::kScalar, ValueType::kScalar}, 0, ValueType::kScalar};
  const FunctionInfo step{"step", {}, 0, ValueType::kScalar};
  std::vector<ExprPtr> a1;
  a1.push_back(Range("m", 60'000));
  auto r = e.InstantQuery(st, *call(&first, std::move(a1)), 40'000);
  ASSERT_EQ(Vec(r).size(), 1u);
  EXPECT_EQ(Vec(r)[0].v, 3);
  EXPECT_EQ(Vec(r)[0].labels.MetricName(), "m");  // keeps the name, like last_over_time
  std::vector<ExprPtr> a2;
  a2.push_back(Range("m", 60'000));
  EXPECT_EQ(Only(e.InstantQuery(st, *call(&ts_max, std::move(a2)), 40'000)), 40);
  std::vector<ExprPtr> a3;
  a3.push_back(Num(3));
  a3.push_back(Num(NAN));
  auto m = e.InstantQuery(st, *call(&min_of, std::move(a3)), 0);
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(std::isnan(std::get<Scalar>(m->value).v));
  auto sr = e.RangeQuery(st, *call(&step, {}), 0, 20'000, 5'000);
  ASSERT_TRUE(sr.ok());
  EXPECT_EQ(std::get<Matrix>(sr->value)[0].points[0].v, 5);
}

TEST(EngineTest, ScalarsStringsAndErrors) {
  store::MemStore st;
  Engine e(EngineOptions{});
  auto s = e.InstantQuery(st, *Bin(BinaryOp::kDiv, Num(1), Num(0)), 5000);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(std::get<Scalar>(s->value).v, INFINITY);
  EXPECT_EQ(std::get<Scalar>(s->value).t, 5000);
  auto str = e.InstantQuery(st, *MakeExpr(StringLiteral{"x"}), 5000);
  ASSERT_TRUE(str.ok());
  EXPECT_EQ(std::get<String>(str->value).v, "x");
  auto range = e.RangeQuery(st, *Num(2), 0, 10'000, 5'000);
  ASSERT_TRUE(range.ok());
  ASSERT_EQ(std::get<Matrix>(range->value).size(), 1u);
  EXPECT_EQ(std::get<Matrix>(range->value)[0].points.size(), 3u);
  auto matrix = e.RangeQuery(st, *Range("x", 1000), 0, 10'000, 5'000);
  ASSERT_FALSE(matrix.ok());
  EXPECT_EQ(matrix.error().type, ErrorType::kBadData);
  auto step = e.RangeQuery(st, *Num(1), 0, 10, 0);
  ASSERT_FALSE(step.ok());
  EXPECT_EQ(step.error().type, ErrorType::kBadData);
}

TEST(EngineTest, SampleLimitIsAnExecutionError) {
  store::MemStore st;
  for (int i = 0; i < 10; ++i) st.Append(L("m", "a", "1"), 1000 * i, i);
  EngineOptions opt;
  opt.max_samples = 5;
  Engine e(opt);
  // An instant query holds one sample.
  ASSERT_TRUE(e.InstantQuery(st, *Sel("m"), 9000).ok());
  auto r = e.RangeQuery(st, *Sel("m"), 0, 9000, 1000);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().type, ErrorType::kExecution);
  EXPECT_EQ(r.error().message,
            "query processing would load too many samples into memory in query execution");
  // The limit can be raised per query; stats report what was used.
  QueryOptions q;
  q.max_samples = 100;
  auto ok = e.RangeQuery(st, *Sel("m"), 0, 9000, 1000, q);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->stats.total_samples, 10u);
  EXPECT_GE(ok->stats.peak_samples, 10u);
}

TEST(EngineTest, CancellationAndTimeout) {
  store::MemStore st;
  for (int i = 0; i < 2000; ++i) st.Append(L("m", "i", std::to_string(i)), 0, i);
  Engine e(EngineOptions{});
  std::atomic<bool> cancel{true};
  QueryOptions q;
  q.cancel = &cancel;
  auto r = e.RangeQuery(st, *Fn("rate", Range("m", 60'000)), 0, 100'000, 1000, q);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().type, ErrorType::kCanceled);
  QueryOptions t;
  t.timeout = std::chrono::milliseconds(1);
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  r = e.RangeQuery(st, *Agg(AggregateOp::kSum, Fn("rate", Range("m", 60'000))), 0, 100'000, 1000,
                   t);
  if (!r.ok()) {
    EXPECT_EQ(r.error().type, ErrorType::kTimeout);
    EXPECT_EQ(r.error().message, "query timed out in expression evaluation");
  }
}

}  // namespace
}  // namespace lm::promql
