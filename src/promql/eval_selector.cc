// Instant vector selectors and range vector values (a range selector or subquery returned
// as such, e.g. the instant query `x[5m]`).
#include <limits>

#include <fmt/format.h>

#include "promql/evaluator.h"
#include "promql/window.h"

namespace lm::promql::eval {
namespace {

// The series' labels, sharing ownership of the series (no copy).
LabelsPtr SeriesLabels(const store::SeriesPtr& s) { return LabelsPtr(s, &s->labels()); }

}  // namespace

EvalResult Evaluator::EvalVectorSelector(const VectorSelector& vs, const Grid& g,
                                         bool sample_times) {
  const size_t n = g.size();
  VectorVal out;
  if (n == 0) return Ok(std::move(out));
  const bool fixed = vs.at.kind != AtModifier::Kind::kNone;
  const int64_t at = ResolveAt(vs.at);
  const int64_t lookback = params_.lookback_ms;
  // The reference time of step i is (@ or the step's time) - offset; the selected sample
  // is the latest one in (ref - lookback, ref], unless that one is a staleness marker.
  const int64_t first_ref = (fixed ? at : g.start) - vs.offset_ms;
  const int64_t last_ref = (fixed ? at : g.At(n - 1)) - vs.offset_ms;
  auto selected = querier_.Select(vs.matchers, first_ref - lookback + 1, last_ref);
  if (!selected.ok()) return StorageError(selected.error());
  out.series.reserve(selected->size());
  uint64_t total = 0;
  for (const store::SeriesPtr& s : *selected) {
    LM_EVAL_RETURN_IF_ERROR(state_->CheckInterrupt());
    store::SeriesIteratorPtr it = s->Iterator();
    Series os{SeriesLabels(s), {}, false};
    constexpr int64_t kEnd = std::numeric_limits<int64_t>::max();
    int64_t nt = it->Next() ? it->t() : kEnd;  // the next sample's time
    int64_t lt = 0;
    double lv = 0;
    bool have_last = false;
    if (fixed) {
      while (nt <= last_ref) {
        lt = nt;
        lv = it->v();
        have_last = true;
        nt = it->Next() ? it->t() : kEnd;
      }
      if (have_last && lt > last_ref - lookback && !IsStaleMarker(lv)) {
        double v = sample_times ? static_cast<double>(lt) / 1000 : lv;
        os.points.resize(n);
        for (size_t i = 0; i < n; ++i) os.points[i] = Point{g.At(i), v};
      }
    } else {
      for (size_t i = 0; i < n; ++i) {
        const int64_t ref = g.At(i) - vs.offset_ms;
        const int64_t lo = ref - lookback;
        if (nt <= lo) {
          // Everything up to the next sample is outside the window: jump ahead.
          have_last = false;
          nt = it->Seek(lo + 1) ? it->t() : kEnd;
        }
        while (nt <= ref) {
          lt = nt;
          lv = it->v();
          have_last = true;
          nt = it->Next() ? it->t() : kEnd;
        }
        if (have_last && lt > lo && !IsStaleMarker(lv)) {
          if (os.points.empty()) os.points.reserve(n - i);
          os.points.push_back(Point{g.At(i), sample_times ? static_cast<double>(lt) / 1000 : lv});
        }
      }
    }
    if (os.points.empty()) continue;
    total += os.points.size();
    out.series.push_back(std::move(os));
  }
  state_->AddTotalSamples(total);
  return Ok(std::move(out));
}

EvalResult Evaluator::EvalRangeVectorValue(const Expr& e, const Grid& g) {
  if (g.size() != 1) {
    return BadData("range vectors can only be the result of an instant query");
  }
  MatrixVal out;
  if (const auto* ms = std::get_if<MatrixSelector>(&e.node)) {
    const VectorSelector& vs = ms->selector;
    const int64_t end =
        (vs.at.kind != AtModifier::Kind::kNone ? ResolveAt(vs.at) : g.start) - vs.offset_ms;
    const int64_t start = end - ms->range_ms;
    auto selected = querier_.Select(vs.matchers, start + 1, end);
    if (!selected.ok()) return StorageError(selected.error());
    std::vector<Point> buf;
    uint64_t total = 0;
    for (const store::SeriesPtr& s : *selected) {
      LM_EVAL_RETURN_IF_ERROR(state_->CheckInterrupt());
      StoreWindow w(s->Iterator(), &buf);
      std::span<const Point> pts = w.Advance(start, end);
      if (pts.empty()) continue;
      total += pts.size();
      out.series.push_back(Series{SeriesLabels(s), {pts.begin(), pts.end()}, false});
    }
    state_->AddTotalSamples(total);
    return Ok(std::move(out));
  }
  const auto& sq = std::get<SubqueryExpr>(e.node);
  LM_ASSIGN_OR_RETURN(SubqueryResult r, EvalSubquery(sq, g));
  const int64_t end = r.first_end;
  const int64_t start = end - sq.range_ms;
  for (Series& s : r.inner.series) {
    PointsWindow w(s.points);
    std::span<const Point> pts = w.Advance(start, end);
    if (pts.empty()) continue;
    out.series.push_back(Series{s.labels, {pts.begin(), pts.end()}, s.drop_name});
  }
  return Ok(std::move(out));
}

}  // namespace lm::promql::eval
