// Aggregation operators. Grouping keys are computed once per input series; values are
// then aggregated step by step into per-group accumulators.
#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_map>

#include <fmt/format.h>

#include "common/float_format.h"
#include "promql/eval_math.h"
#include "promql/evaluator.h"

namespace lm::promql::eval {
namespace {

// One group's accumulator at one step. `m` holds the running state: the mean accumulator
// for avg, else m.sum is the value (sum with compensation m.c, min, max, or stddev's sum of
// squared deviations with m.mean) and m.count the count.
struct Acc {
  MeanAcc m;
  bool seen = false;
};

void AccInit(AggregateOp op, Acc* a, double x) {
  a->seen = true;
  a->m = MeanAcc{};
  switch (op) {
    case AggregateOp::kAvg:
      a->m.Add(x);
      break;
    case AggregateOp::kStddev:
    case AggregateOp::kStdvar:
      a->m.count = 1;
      a->m.mean = x;
      a->m.sum = std::isnan(x) || std::isinf(x) ? std::numeric_limits<double>::quiet_NaN() : 0;
      break;
    default:
      a->m.count = 1;
      a->m.sum = x;
  }
}

void AccAdd(AggregateOp op, Acc* a, double x) {
  MeanAcc& m = a->m;
  switch (op) {
    case AggregateOp::kSum:
      KahanInc(x, &m.sum, &m.c);
      break;
    case AggregateOp::kAvg:
      m.Add(x);
      break;
    case AggregateOp::kMin:
      if (m.sum > x || std::isnan(m.sum)) m.sum = x;
      break;
    case AggregateOp::kMax:
      if (m.sum < x || std::isnan(m.sum)) m.sum = x;
      break;
    case AggregateOp::kCount:
      m.count += 1;
      break;
    case AggregateOp::kStddev:
    case AggregateOp::kStdvar: {
      m.count += 1;
      double delta = x - m.mean;
      m.mean += delta / m.count;
      m.sum += delta * (x - m.mean);
      break;
    }
    default:
      break;
  }
}

double AccResult(AggregateOp op, const Acc& a) {
  switch (op) {
    case AggregateOp::kSum:
      return a.m.sum + a.m.c;
    case AggregateOp::kAvg:
      return a.m.Value();
    case AggregateOp::kCount:
      return a.m.count;
    case AggregateOp::kGroup:
      return 1;
    case AggregateOp::kStdvar:
      return a.m.sum / a.m.count;
    case AggregateOp::kStddev:
      return std::sqrt(a.m.sum / a.m.count);
    default:
      return a.m.sum;
  }
}

inline bool TakePoint(const Series& s, size_t* cursor, int64_t t, double* v) {
  if (*cursor < s.points.size() && s.points[*cursor].t == t) {
    *v = s.points[(*cursor)++].v;
    return true;
  }
  return false;
}

}  // namespace

EvalResult Evaluator::EvalAggregate(const AggregateExpr& a, const Grid& g) {
  const size_t n = g.size();
  ScalarVal param;
  std::string label;
  if (a.param != nullptr) {
    if (a.op == AggregateOp::kCountValues) {
      LM_ASSIGN_OR_RETURN(label, EvalString(*a.param, g));
      if (!IsValidLabelName(label)) {
        return ExecError(fmt::format("invalid label name {}", GoQuote(label)));
      }
    } else {
      LM_ASSIGN_OR_RETURN(param, EvalScalar(*a.param, g));
    }
  }
  const size_t param_pos = a.param != nullptr ? a.param->pos : 0;
  switch (a.op) {
    case AggregateOp::kTopk:
    case AggregateOp::kBottomk:
    case AggregateOp::kLimitk:
      for (double k : param.v) {
        if (std::isnan(k)) return ExecError("Parameter value is NaN");
        if (k < -9.2233720368547758e18 || k >= 9.2233720368547758e18) {
          return ExecError(fmt::format("Scalar value {} overflows int64", GoFloat(k)));
        }
      }
      break;
    case AggregateOp::kLimitRatio:
      for (double& r : param.v) {
        if (std::isnan(r)) return ExecError("Ratio value is NaN");
        if (r < -1 || r > 1) {
          double capped = r < -1 ? -1 : 1;
          state_->Warn(fmt::format("ratio value should be between -1 and 1, got {}, capping to {}",
                                   GoFloat(r), GoFloat(capped)),
                       param_pos);
          r = capped;
        }
      }
      break;
    case AggregateOp::kQuantile:
      for (double q : param.v) {
        if (std::isnan(q) || q < 0 || q > 1) {
          state_->Warn(fmt::format("quantile value should be between 0 and 1, got {}", GoFloat(q)),
                       param_pos);
          break;
        }
      }
      break;
    default:
      break;
  }
  LM_ASSIGN_OR_RETURN(VectorVal in, EvalVector(*a.expr, g));

  // Groups, in order of first appearance.
  const std::vector<std::string> names = SortedNames(a.grouping);
  const bool include = !a.without;
  std::vector<uint32_t> group_of(in.series.size());
  std::vector<LabelsPtr> group_labels;
  std::vector<uint8_t> group_drop;
  {
    std::unordered_map<std::string, uint32_t> index;
    std::string key;
    for (size_t k = 0; k < in.series.size(); ++k) {
      const Series& s = in.series[k];
      SignatureKey(*s.labels, names, include, &key);
      auto [it, inserted] = index.try_emplace(key, static_cast<uint32_t>(group_labels.size()));
      if (inserted) {
        group_labels.push_back(SignatureLabels(*s.labels, names, include));
        group_drop.push_back(0);
      }
      group_of[k] = it->second;
      if (s.drop_name) group_drop[it->second] = 1;
    }
  }
  const size_t ngroups = group_labels.size();
  switch (a.op) {
    case AggregateOp::kTopk:
    case AggregateOp::kBottomk:
    case AggregateOp::kLimitk:
    case AggregateOp::kLimitRatio:
      return EvalTopK(a, std::move(in), param, group_of, ngroups, g);
    case AggregateOp::kCountValues:
      return EvalCountValues(std::move(in), label, group_of, group_labels, g);
    default:
      break;
  }

  VectorVal result;
  result.series.resize(ngroups);
  for (size_t gi = 0; gi < ngroups; ++gi) {
    result.series[gi].labels = group_labels[gi];
    result.series[gi].drop_name = group_drop[gi] != 0;
  }
  std::vector<size_t> cursor(in.series.size(), 0);
  std::vector<uint32_t> touched;
  if (a.op == AggregateOp::kQuantile) {
    std::vector<std::vector<double>> values(ngroups);
    for (size_t i = 0; i < n; ++i) {
      LM_EVAL_RETURN_IF_ERROR(state_->CheckInterrupt());
      const int64_t t = g.At(i);
      for (size_t k = 0; k < in.series.size(); ++k) {
        double v;
        if (!TakePoint(in.series[k], &cursor[k], t, &v)) continue;
        std::vector<double>& vals = values[group_of[k]];
        if (vals.empty()) touched.push_back(group_of[k]);
        vals.push_back(v);
      }
      for (uint32_t gi : touched) {
        result.series[gi].points.push_back(Point{t, Quantile(param.v[i], &values[gi])});
        values[gi].clear();
      }
      touched.clear();
    }
  } else if (ngroups * n <= (1u << 18)) {
    // Few groups x steps: one accumulator per group and step, filled series by series
    // (the same order of additions as step by step, with better locality).
    std::vector<Acc> accs(ngroups * n);
    for (size_t k = 0; k < in.series.size(); ++k) {
      LM_EVAL_RETURN_IF_ERROR(state_->CheckInterrupt());
      Acc* row = accs.data() + group_of[k] * n;
      size_t next = 0;
      for (const Point& p : in.series[k].points) {
        const size_t i = g.IndexFrom(p.t, next);
        next = i + 1;
        Acc& acc = row[i];
        if (!acc.seen) {
          AccInit(a.op, &acc, p.v);
        } else {
          AccAdd(a.op, &acc, p.v);
        }
      }
    }
    for (size_t gi = 0; gi < ngroups; ++gi) {
      const Acc* row = accs.data() + gi * n;
      std::vector<Point>& pts = result.series[gi].points;
      for (size_t i = 0; i < n; ++i) {
        if (row[i].seen) pts.push_back(Point{g.At(i), AccResult(a.op, row[i])});
      }
    }
  } else {
    std::vector<Acc> accs(ngroups);
    for (size_t i = 0; i < n; ++i) {
      LM_EVAL_RETURN_IF_ERROR(state_->CheckInterrupt());
      const int64_t t = g.At(i);
      for (size_t k = 0; k < in.series.size(); ++k) {
        double v;
        if (!TakePoint(in.series[k], &cursor[k], t, &v)) continue;
        Acc& acc = accs[group_of[k]];
        if (!acc.seen) {
          AccInit(a.op, &acc, v);
          touched.push_back(group_of[k]);
        } else {
          AccAdd(a.op, &acc, v);
        }
      }
      for (uint32_t gi : touched) {
        result.series[gi].points.push_back(Point{t, AccResult(a.op, accs[gi])});
        accs[gi].seen = false;
      }
      touched.clear();
    }
  }
  std::erase_if(result.series, [](const Series& s) { return s.points.empty(); });
  return Ok(std::move(result));
}

EvalResult Evaluator::EvalTopK(const AggregateExpr& a, VectorVal in, const ScalarVal& param,
                               const std::vector<uint32_t>& group_of, size_t ngroups,
                               const Grid& g) {
  const size_t n = g.size();
  const bool top = a.op == AggregateOp::kTopk;
  VectorVal result;
  std::vector<int64_t> out_of(in.series.size(), -1);
  auto emit = [&](uint32_t k, int64_t t, double v) {
    if (out_of[k] < 0) {
      out_of[k] = static_cast<int64_t>(result.series.size());
      result.series.push_back(Series{in.series[k].labels, {}, in.series[k].drop_name});
    }
    result.series[out_of[k]].points.push_back(Point{t, v});
  };
  std::vector<uint64_t> hashes;
  if (a.op == AggregateOp::kLimitRatio) {
    hashes.reserve(in.series.size());
    for (const Series& s : in.series) hashes.push_back(s.labels->Hash());
  }
  std::vector<size_t> cursor(in.series.size(), 0);
  std::vector<std::vector<std::pair<double, uint32_t>>> cand(ngroups);
  std::vector<uint32_t> touched;
  // NaN is never preferred; ties go to the earlier series.
  auto better = [top](const std::pair<double, uint32_t>& x, const std::pair<double, uint32_t>& y) {
    bool xn = std::isnan(x.first), yn = std::isnan(y.first);
    if (xn != yn) return yn;
    if (!xn && x.first != y.first) return top ? x.first > y.first : x.first < y.first;
    return x.second < y.second;
  };
  for (size_t i = 0; i < n; ++i) {
    LM_EVAL_RETURN_IF_ERROR(state_->CheckInterrupt());
    const int64_t t = g.At(i);
    const double p = param.v[i];
    for (size_t k = 0; k < in.series.size(); ++k) {
      double v;
      if (!TakePoint(in.series[k], &cursor[k], t, &v)) continue;
      if (a.op == AggregateOp::kLimitRatio) {
        double offset = static_cast<double>(hashes[k]) /
                        static_cast<double>(std::numeric_limits<uint64_t>::max());
        if ((p >= 0 && offset < p) || (p < 0 && offset >= 1.0 + p)) {
          emit(static_cast<uint32_t>(k), t, v);
        }
        continue;
      }
      auto& c = cand[group_of[k]];
      if (c.empty()) touched.push_back(group_of[k]);
      c.emplace_back(v, static_cast<uint32_t>(k));
    }
    const int64_t kparam = static_cast<int64_t>(p);
    for (uint32_t gi : touched) {
      auto& c = cand[gi];
      size_t k = kparam < 1 ? 0 : std::min<uint64_t>(static_cast<uint64_t>(kparam), c.size());
      if (a.op != AggregateOp::kLimitk) {
        std::partial_sort(c.begin(), c.begin() + static_cast<std::ptrdiff_t>(k), c.end(), better);
      }
      for (size_t j = 0; j < k; ++j) emit(c[j].second, t, c[j].first);
      c.clear();
    }
    touched.clear();
  }
  return Ok(std::move(result));
}

EvalResult Evaluator::EvalCountValues(VectorVal in, const std::string& label,
                                      const std::vector<uint32_t>& group_of,
                                      const std::vector<LabelsPtr>& group_labels, const Grid& g) {
  const size_t n = g.size();
  VectorVal result;
  std::vector<uint32_t> last_step;
  std::unordered_map<std::string, uint32_t> index;
  std::vector<size_t> cursor(in.series.size(), 0);
  std::string key;
  for (size_t i = 0; i < n; ++i) {
    LM_EVAL_RETURN_IF_ERROR(state_->CheckInterrupt());
    const int64_t t = g.At(i);
    const uint32_t stamp = static_cast<uint32_t>(i + 1);
    for (size_t k = 0; k < in.series.size(); ++k) {
      double v;
      if (!TakePoint(in.series[k], &cursor[k], t, &v)) continue;
      std::string value = FormatFloatFixed(v);
      key = std::to_string(group_of[k]);
      key.push_back('\xff');
      key += value;
      auto [it, inserted] = index.try_emplace(key, static_cast<uint32_t>(result.series.size()));
      if (inserted) {
        std::vector<store::Label> ls;
        for (const store::Label& l : group_labels[group_of[k]]->items()) {
          if (l.name != label) ls.push_back(l);
        }
        ls.push_back({label, value});
        result.series.push_back(Series{MakeLabels(std::move(ls)), {}, false});
        last_step.push_back(0);
      }
      Series& out = result.series[it->second];
      if (last_step[it->second] == stamp) {
        out.points.back().v += 1;
      } else {
        last_step[it->second] = stamp;
        out.points.push_back(Point{t, 1});
      }
    }
  }
  return Ok(std::move(result));
}

}  // namespace lm::promql::eval
