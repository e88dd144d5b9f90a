// Functions over range vectors (rate, *_over_time, ...) and subqueries. Each input series
// is walked once with a window that slides along the steps.
#include <bit>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "promql/evaluator.h"
#include "promql/functions.h"
#include "promql/range_kernels.h"
#include "promql/window.h"

namespace lm::promql::eval {
namespace {

bool LooksLikeCounter(std::string_view name) {
  for (std::string_view suffix : {"_total", "_sum", "_count", "_bucket"}) {
    if (name.size() >= suffix.size() && name.substr(name.size() - suffix.size()) == suffix) {
      return true;
    }
  }
  return false;
}

// What one pass over the input series needs, and what it accumulates.
struct RangeJob {
  const FnInfo* fn;
  const Grid* grid;
  int64_t range_ms;
  int64_t offset_ms;
  bool fixed;  // @: the same window at every step
  int64_t at;
  const ScalarVal* arg0;
  const ScalarVal* arg1;
  bool step_invariant;  // fixed, and no argument or step dependency: compute once
  std::vector<double> scratch;
  std::vector<uint8_t> any;  // absent_over_time: whether any series had samples per step
  uint64_t total = 0;        // samples in all windows (the stats' total_samples)
};

EvalStatus CheckSmoothing(double sf, double tf) {
  if (!(sf > 0 && sf < 1)) {
    return ExecError(fmt::format("invalid smoothing factor. Expected: 0 < sf < 1, got: {:f}", sf));
  }
  if (!(tf > 0 && tf < 1)) {
    return ExecError(fmt::format("invalid trend factor. Expected: 0 < tf < 1, got: {:f}", tf));
  }
  return std::nullopt;
}

template <typename W>
EvalStatus RunSeries(RangeJob* job, W* window, std::vector<Point>* out) {
  const Grid& g = *job->grid;
  const size_t n = g.size();
  const bool counter = job->fn->fn == Fn::kRate || job->fn->fn == Fn::kIncrease;
  ResetTracker resets;
  for (size_t i = 0; i < n; ++i) {
    const int64_t end = (job->fixed ? job->at : g.At(i)) - job->offset_ms;
    std::span<const Point> pts = window->Advance(end - job->range_ms, end);
    job->total += pts.size();
    if (pts.empty()) continue;
    if (job->fn->fn == Fn::kAbsent) {
      job->any[i] = 1;
      continue;
    }
    Window w{pts,
             end - job->range_ms,
             end,
             job->range_ms,
             g.At(i),
             job->arg0 != nullptr ? job->arg0->v[i] : 0,
             job->arg1 != nullptr ? job->arg1->v[i] : 0,
             counter ? resets.Update(pts, end - job->range_ms) : true};
    if (job->fn->fn == Fn::kSmoothing) LM_EVAL_RETURN_IF_ERROR(CheckSmoothing(w.arg0, w.arg1));
    double v;
    if (!Compute(job->fn->fn, w, &job->scratch, &v)) {
      if (job->step_invariant) return std::nullopt;
      continue;
    }
    if (job->step_invariant) {
      out->resize(n);
      for (size_t j = 0; j < n; ++j) (*out)[j] = Point{g.At(j), v};
      job->total += pts.size() * (n - 1);
      return std::nullopt;
    }
    if (out->empty()) out->reserve(n - i);
    out->push_back(Point{g.At(i), v});
  }
  return std::nullopt;
}

int64_t AlignUp(int64_t t, int64_t step) {
  int64_t m = step * (t / step);
  if (m < t) m += step;
  return m;
}

}  // namespace

Result<Evaluator::SubqueryResult, QueryError> Evaluator::EvalSubquery(const SubqueryExpr& sq,
                                                                      const Grid& g) {
  SubqueryResult r;
  const size_t n = g.size();
  r.fixed = sq.at.kind != AtModifier::Kind::kNone;
  r.at = ResolveAt(sq.at);
  r.offset_ms = sq.offset_ms;
  if (n == 0) return r;
  const int64_t step = sq.step_ms > 0 ? sq.step_ms : params_.default_subquery_step_ms;
  r.first_end = (r.fixed ? r.at : g.start) - sq.offset_ms;
  const int64_t last_end = (r.fixed ? r.at : g.At(n - 1)) - sq.offset_ms;
  // The inner steps are the multiples of the step (absolute time), so that successive
  // evaluations see the same points.
  Grid inner{AlignUp(r.first_end - sq.range_ms, step), last_end, step};
  LM_ASSIGN_OR_RETURN(r.inner, EvalVector(*sq.expr, inner));
  return r;
}

EvalResult Evaluator::EvalRangeFunction(const Call& call, const Grid& g) {
  const FnInfo* fn = FindFn(call.function->name);
  if (fn == nullptr || call.args.size() <= fn->matrix_arg) {
    return QueryError{ErrorType::kInternal,
                      fmt::format("no range implementation of {}", call.function->name)};
  }
  const size_t n = g.size();
  const Expr* marg = Unparen(call.args[fn->matrix_arg].get());
  const size_t marg_pos = call.args[fn->matrix_arg]->pos;
  // The scalar arguments, in order.
  std::vector<ScalarVal> scalars;
  for (size_t i = 0; i < call.args.size(); ++i) {
    if (i == fn->matrix_arg) continue;
    LM_ASSIGN_OR_RETURN(ScalarVal s, EvalScalar(*call.args[i], g));
    scalars.push_back(std::move(s));
  }
  if (fn->fn == Fn::kQuantile && !scalars.empty()) {
    for (double q : scalars[0].v) {
      if (std::isnan(q) || q < 0 || q > 1) {
        state_->Warn(fmt::format("quantile value should be between 0 and 1, got {}", GoFloat(q)),
                     call.args[0]->pos);
        break;
      }
    }
  }
  RangeJob job;
  job.fn = fn;
  job.grid = &g;
  job.arg0 = scalars.size() > 0 ? &scalars[0] : nullptr;
  job.arg1 = scalars.size() > 1 ? &scalars[1] : nullptr;
  if (fn->fn == Fn::kAbsent) job.any.assign(n, 0);

  VectorVal out;
  auto finish_series = [&](const LabelsPtr& labels, bool drop_name, std::vector<Point> pts) {
    if (pts.empty()) return;
    if ((fn->fn == Fn::kRate || fn->fn == Fn::kIncrease)) {
      std::string_view name = labels->MetricName();
      if (!name.empty() && !LooksLikeCounter(name)) {
        state_->Info(fmt::format("metric might not be a counter, name does not end in "
                                 "_total/_sum/_count/_bucket: {}",
                                 GoQuote(name)),
                     marg_pos);
      }
    }
    out.series.push_back(Series{labels, std::move(pts), fn->keep_name ? drop_name : true});
  };
  auto constant_args = [&]() {
    for (const ScalarVal& s : scalars) {
      for (double v : s.v) {
        if (std::bit_cast<uint64_t>(v) != std::bit_cast<uint64_t>(s.v[0])) return false;
      }
    }
    return true;
  };

  LabelsPtr absent_labels = EmptyLabels();
  if (const auto* ms = std::get_if<MatrixSelector>(&marg->node)) {
    const VectorSelector& vs = ms->selector;
    job.range_ms = ms->range_ms;
    job.offset_ms = vs.offset_ms;
    job.fixed = vs.at.kind != AtModifier::Kind::kNone;
    job.at = ResolveAt(vs.at);
    job.step_invariant = job.fixed && fn->fn != Fn::kPredictLinear && constant_args();
    absent_labels = AbsentLabels(vs.matchers);
    if (n > 0) {
      const int64_t first_end = (job.fixed ? job.at : g.start) - vs.offset_ms;
      const int64_t last_end = (job.fixed ? job.at : g.At(n - 1)) - vs.offset_ms;
      auto selected = querier_.Select(vs.matchers, first_end - ms->range_ms + 1, last_end);
      if (!selected.ok()) return StorageError(selected.error());
      std::vector<Point> buf;
      for (const store::SeriesPtr& s : *selected) {
        LM_EVAL_RETURN_IF_ERROR(state_->CheckInterrupt());
        StoreWindow w(s->Iterator(), &buf);
        std::vector<Point> pts;
        LM_EVAL_RETURN_IF_ERROR(RunSeries(&job, &w, &pts));
        // The window buffer is what this series holds in memory at its peak.
        LM_EVAL_RETURN_IF_ERROR(state_->Reserve(buf.size()));
        state_->Release(buf.size());
        finish_series(LabelsPtr(s, &s->labels()), false, std::move(pts));
      }
    }
  } else if (const auto* sq = std::get_if<SubqueryExpr>(&marg->node)) {
    LM_ASSIGN_OR_RETURN(SubqueryResult r, EvalSubquery(*sq, g));
    job.range_ms = sq->range_ms;
    job.offset_ms = sq->offset_ms;
    job.fixed = r.fixed;
    job.at = r.at;
    job.step_invariant = job.fixed && fn->fn != Fn::kPredictLinear && constant_args();
    for (Series& s : r.inner.series) {
      LM_EVAL_RETURN_IF_ERROR(state_->CheckInterrupt());
      PointsWindow w(s.points);
      std::vector<Point> pts;
      LM_EVAL_RETURN_IF_ERROR(RunSeries(&job, &w, &pts));
      finish_series(s.labels, s.drop_name, std::move(pts));
    }
  } else {
    return BadData(fmt::format("expected a range vector argument for {}", call.function->name));
  }
  state_->AddTotalSamples(job.total);

  if (fn->fn == Fn::kAbsent) {
    Series s{absent_labels, {}, false};
    for (size_t i = 0; i < n; ++i) {
      if (!job.any[i]) s.points.push_back(Point{g.At(i), 1});
    }
    out.series.clear();
    if (!s.points.empty()) out.series.push_back(std::move(s));
  }
  return Ok(std::move(out));
}

}  // namespace lm::promql::eval
