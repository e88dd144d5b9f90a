// Binary operators: arithmetic, comparisons and set operators between scalars and instant
// vectors, with on/ignoring/group_left/group_right vector matching.
//
// Matching is decided per step (a series only matches at the steps where it has a value),
// but signatures and result label sets are computed once per series, resp. per matched pair.
#include <cmath>
#include <limits>
#include <unordered_map>

#include <fmt/format.h>

#include "promql/evaluator.h"

namespace lm::promql::eval {
namespace {

bool IsComparisonOp(BinaryOp op) {
  switch (op) {
    case BinaryOp::kEql:
    case BinaryOp::kNeq:
    case BinaryOp::kGtr:
    case BinaryOp::kLss:
    case BinaryOp::kGte:
    case BinaryOp::kLte:
      return true;
    default:
      return false;
  }
}

bool IsSetOp(BinaryOp op) {
  return op == BinaryOp::kAnd || op == BinaryOp::kOr || op == BinaryOp::kUnless;
}

// The result of `l op r`; comparisons return `l` and set `keep` to their outcome.
double Apply(BinaryOp op, double l, double r, bool* keep) {
  *keep = true;
  switch (op) {
    case BinaryOp::kAdd:
      return l + r;
    case BinaryOp::kSub:
      return l - r;
    case BinaryOp::kMul:
      return l * r;
    case BinaryOp::kDiv:
      return l / r;
    case BinaryOp::kMod:
      return std::fmod(l, r);
    case BinaryOp::kPow:
      return std::pow(l, r);
    case BinaryOp::kAtan2:
      return std::atan2(l, r);
    case BinaryOp::kEql:
      *keep = l == r;
      return l;
    case BinaryOp::kNeq:
      *keep = l != r;
      return l;
    case BinaryOp::kGtr:
      *keep = l > r;
      return l;
    case BinaryOp::kLss:
      *keep = l < r;
      return l;
    case BinaryOp::kGte:
      *keep = l >= r;
      return l;
    case BinaryOp::kLte:
      *keep = l <= r;
      return l;
    default:
      return std::numeric_limits<double>::quiet_NaN();
  }
}

// Assigns small integer ids to signatures.
class SignatureIds {
 public:
  SignatureIds(const VectorMatching& m) : names_(SortedNames(m.labels)), on_(m.on) {}

  uint32_t Of(const store::Labels& l) {
    SignatureKey(l, names_, on_, &key_);
    auto it = ids_.find(key_);
    if (it != ids_.end()) return it->second;
    uint32_t id = static_cast<uint32_t>(ids_.size());
    ids_.emplace(key_, id);
    return id;
  }
  size_t size() const { return ids_.size(); }
  const std::vector<std::string>& names() const { return names_; }
  bool on() const { return on_; }

 private:
  std::vector<std::string> names_;
  bool on_;
  std::string key_;
  std::unordered_map<std::string, uint32_t> ids_;
};

// Whether series `s` has a point at `t`; advances its cursor past it.
inline bool TakePoint(const Series& s, size_t* cursor, int64_t t, double* v) {
  if (*cursor < s.points.size() && s.points[*cursor].t == t) {
    *v = s.points[(*cursor)++].v;
    return true;
  }
  return false;
}

// Finds or creates the output series with `labels`.
class OutputSeries {
 public:
  explicit OutputSeries(std::vector<Series>* out) : out_(out) {}

  uint32_t Get(LabelsPtr labels, bool drop_name) {
    uint64_t h = labels->Hash();
    auto& chain = by_hash_[h];
    for (uint32_t i : chain) {
      if (*(*out_)[i].labels == *labels) return i;
    }
    uint32_t i = static_cast<uint32_t>(out_->size());
    out_->push_back(Series{std::move(labels), {}, drop_name});
    last_step_.push_back(0);
    chain.push_back(i);
    return i;
  }
  // False when series `i` already has a point at step stamp (step index + 1).
  bool Mark(uint32_t i, uint32_t stamp) {
    if (last_step_[i] == stamp) return false;
    last_step_[i] = stamp;
    return true;
  }

 private:
  std::vector<Series>* out_;
  std::unordered_map<uint64_t, std::vector<uint32_t>> by_hash_;
  std::vector<uint32_t> last_step_;
};

// The labels of the result of matching `many` with `one`.
LabelsPtr ResultLabels(const Series& many, const Series& one, const VectorMatching& m,
                       const std::vector<std::string>& names) {
  const bool one_to_one = m.card == VectorMatching::Card::kOneToOne;
  if (!one_to_one && m.include.empty()) return many.labels;
  std::vector<store::Label> ls;
  for (const store::Label& l : many.labels->items()) {
    if (one_to_one) {
      bool listed = std::binary_search(names.begin(), names.end(), l.name);
      if (m.on != listed) continue;
    }
    ls.push_back(l);
  }
  for (const std::string& name : m.include) {
    std::string_view v = one.labels->Get(name);
    auto it =
        std::find_if(ls.begin(), ls.end(), [&](const store::Label& l) { return l.name == name; });
    if (it != ls.end()) ls.erase(it);
    if (!v.empty()) ls.push_back({name, std::string(v)});
  }
  return MakeLabels(std::move(ls));
}

}  // namespace

EvalResult Evaluator::EvalBinary(const BinaryExpr& b, const Grid& g) {
  LM_ASSIGN_OR_RETURN(Val l, Eval(*b.lhs, g));
  LM_ASSIGN_OR_RETURN(Val r, Eval(*b.rhs, g));
  const bool cmp = IsComparisonOp(b.op);
  auto* ls = std::get_if<ScalarVal>(&l);
  auto* rs = std::get_if<ScalarVal>(&r);
  if (ls != nullptr && rs != nullptr) {
    for (size_t i = 0; i < ls->v.size(); ++i) {
      bool keep;
      double v = Apply(b.op, ls->v[i], rs->v[i], &keep);
      ls->v[i] = cmp ? (keep ? 1 : 0) : v;
    }
    return l;
  }
  if (ls != nullptr || rs != nullptr) {
    const bool scalar_left = ls != nullptr;
    const ScalarVal& s = scalar_left ? *ls : *rs;
    auto* vec = std::get_if<VectorVal>(scalar_left ? &r : &l);
    if (vec == nullptr || IsSetOp(b.op)) {
      return BadData(fmt::format("set operator not allowed in binary scalar expression"));
    }
    for (Series& series : vec->series) {
      size_t w = 0, next = 0;
      for (const Point& p : series.points) {
        const size_t i = g.IndexFrom(p.t, next);
        next = i + 1;
        double sv = s.v[i];
        bool keep;
        double v = scalar_left ? Apply(b.op, sv, p.v, &keep) : Apply(b.op, p.v, sv, &keep);
        if (cmp && scalar_left) v = p.v;  // a comparison filter keeps the vector's value
        if (b.return_bool) {
          v = keep ? 1 : 0;
          keep = true;
        }
        if (keep) series.points[w++] = Point{p.t, v};
      }
      series.points.resize(w);
      series.drop_name = series.drop_name || !cmp || b.return_bool;
    }
    std::erase_if(vec->series, [](const Series& x) { return x.points.empty(); });
    return Ok(std::move(*vec));
  }
  auto* lv = std::get_if<VectorVal>(&l);
  auto* rv = std::get_if<VectorVal>(&r);
  if (lv == nullptr || rv == nullptr) {
    return BadData("binary expressions must be between scalars and instant vectors");
  }
  if (IsSetOp(b.op)) return EvalSetOp(b, std::move(*lv), std::move(*rv), g);
  return EvalVectorBinary(b, std::move(*lv), std::move(*rv), g);
}

EvalResult Evaluator::EvalVectorBinary(const BinaryExpr& b, VectorVal lhs, VectorVal rhs,
                                       const Grid& g) {
  const VectorMatching m = b.matching.value_or(VectorMatching{});
  const bool cmp = IsComparisonOp(b.op);
  const bool one_to_many = m.card == VectorMatching::Card::kOneToMany;
  const bool one_to_one = m.card == VectorMatching::Card::kOneToOne;
  const std::vector<Series>& many = one_to_many ? rhs.series : lhs.series;
  const std::vector<Series>& one = one_to_many ? lhs.series : rhs.series;
  SignatureIds sigs(m);
  std::vector<uint32_t> one_sig(one.size()), many_sig(many.size());
  for (size_t j = 0; j < one.size(); ++j) one_sig[j] = sigs.Of(*one[j].labels);
  for (size_t k = 0; k < many.size(); ++k) many_sig[k] = sigs.Of(*many[k].labels);
  const size_t nsig = sigs.size();
  // Computes the value for a matched pair; false when a comparison filters it out.
  auto compute = [&](double mv, double ov, double* out) {
    bool keep;
    double v = one_to_many ? Apply(b.op, ov, mv, &keep) : Apply(b.op, mv, ov, &keep);
    if (cmp && one_to_many) v = mv;
    if (b.return_bool) {
      v = keep ? 1 : 0;
      keep = true;
    }
    *out = v;
    return keep;
  };
  VectorVal result;
  // Fast path: when no signature has two series on the "one" side (nor, one-to-one, on the
  // "many" side) and no two pairs give the same result labels, pairs never change and no
  // error is possible: each pair is merge-joined once, series by series.
  {
    std::vector<int64_t> one_of_sig(nsig, -1);
    std::vector<uint8_t> many_seen(nsig, 0);
    bool fast = true;
    for (size_t j = 0; j < one.size() && fast; ++j) {
      if (one_of_sig[one_sig[j]] >= 0) fast = false;
      one_of_sig[one_sig[j]] = static_cast<int64_t>(j);
    }
    for (size_t k = 0; k < many.size() && fast && one_to_one; ++k) {
      if (many_seen[many_sig[k]]++ > 0) fast = false;
    }
    std::vector<int64_t> out_of(many.size(), -1);
    if (fast) {
      OutputSeries outs(&result.series);
      std::vector<uint8_t> used;
      for (size_t k = 0; k < many.size() && fast; ++k) {
        int64_t j = one_of_sig[many_sig[k]];
        if (j < 0) continue;
        bool drop = !cmp || b.return_bool || many[k].drop_name;
        uint32_t o = outs.Get(ResultLabels(many[k], one[j], m, sigs.names()), drop);
        if (o >= used.size()) used.resize(o + 1, 0);
        if (used[o]++ > 0) fast = false;
        out_of[k] = o;
      }
    }
    if (fast) {
      for (size_t k = 0; k < many.size(); ++k) {
        if (out_of[k] < 0) continue;
        LM_EVAL_RETURN_IF_ERROR(state_->CheckInterrupt());
        const std::vector<Point>& a = many[k].points;
        const std::vector<Point>& c = one[one_of_sig[many_sig[k]]].points;
        std::vector<Point>& dst = result.series[out_of[k]].points;
        dst.reserve(std::min(a.size(), c.size()));
        size_t ia = 0, ic = 0;
        while (ia < a.size() && ic < c.size()) {
          if (a[ia].t < c[ic].t) {
            ++ia;
          } else if (c[ic].t < a[ia].t) {
            ++ic;
          } else {
            double v;
            if (compute(a[ia].v, c[ic].v, &v)) dst.push_back(Point{a[ia].t, v});
            ++ia;
            ++ic;
          }
        }
      }
      std::erase_if(result.series, [](const Series& x) { return x.points.empty(); });
      return Ok(std::move(result));
    }
    result.series.clear();
  }
  // Per signature: the step (index + 1) at which a "one" side series was seen, which one,
  // its value, and (one-to-one) the step at which it was matched.
  std::vector<uint32_t> one_at(nsig, 0), one_idx(nsig, 0), matched_at(nsig, 0);
  std::vector<double> one_val(nsig, 0);
  std::vector<size_t> one_cur(one.size(), 0), many_cur(many.size(), 0);
  std::unordered_map<uint64_t, uint32_t> pair_out;
  OutputSeries out(&result.series);
  const size_t n = g.size();
  for (size_t i = 0; i < n; ++i) {
    LM_EVAL_RETURN_IF_ERROR(state_->CheckInterrupt());
    const int64_t t = g.At(i);
    const uint32_t stamp = static_cast<uint32_t>(i + 1);
    for (size_t j = 0; j < one.size(); ++j) {
      double v;
      if (!TakePoint(one[j], &one_cur[j], t, &v)) continue;
      const uint32_t s = one_sig[j];
      if (one_at[s] == stamp) {
        std::string a = LabelsString(*one[one_idx[s]].labels);
        std::string c = LabelsString(*one[j].labels);
        if (c < a) std::swap(a, c);
        return ExecError(fmt::format(
            "found duplicate series for the match group {} on the {} hand-side of the "
            "operation: [{}, {}];many-to-many matching not allowed: matching labels must be "
            "unique on one side",
            LabelsString(*SignatureLabels(*one[j].labels, sigs.names(), sigs.on())),
            one_to_many ? "left" : "right", a, c));
      }
      one_at[s] = stamp;
      one_idx[s] = static_cast<uint32_t>(j);
      one_val[s] = v;
    }
    for (size_t k = 0; k < many.size(); ++k) {
      double mv;
      if (!TakePoint(many[k], &many_cur[k], t, &mv)) continue;
      const uint32_t s = many_sig[k];
      if (one_at[s] != stamp) continue;
      if (one_to_one) {
        if (matched_at[s] == stamp) {
          return ExecError(
              "multiple matches for labels: many-to-one matching must be explicit "
              "(group_left/group_right)");
        }
        matched_at[s] = stamp;
      }
      double v;
      if (!compute(mv, one_val[s], &v)) continue;
      const uint32_t j = one_idx[s];
      const uint64_t pair = (static_cast<uint64_t>(k) << 32) | j;
      auto it = pair_out.find(pair);
      if (it == pair_out.end()) {
        bool drop = !cmp || b.return_bool || many[k].drop_name;
        uint32_t o = out.Get(ResultLabels(many[k], one[j], m, sigs.names()), drop);
        it = pair_out.emplace(pair, o).first;
      }
      if (!out.Mark(it->second, stamp)) {
        return ExecError("multiple matches for labels: grouping labels must ensure unique matches");
      }
      result.series[it->second].points.push_back(Point{t, v});
    }
  }
  return Ok(std::move(result));
}

EvalResult Evaluator::EvalSetOp(const BinaryExpr& b, VectorVal lhs, VectorVal rhs, const Grid& g) {
  VectorMatching m = b.matching.value_or(VectorMatching{});
  SignatureIds sigs(m);
  std::vector<uint32_t> lsig(lhs.series.size()), rsig(rhs.series.size());
  for (size_t k = 0; k < lhs.series.size(); ++k) lsig[k] = sigs.Of(*lhs.series[k].labels);
  for (size_t k = 0; k < rhs.series.size(); ++k) rsig[k] = sigs.Of(*rhs.series[k].labels);
  std::vector<uint32_t> seen(sigs.size(), 0);
  const size_t n = g.size();
  // `filtered` keeps the points of `keep_from` whose signature is (`want` true) or is not
  // seen at that step in `mark_from`. Points are compacted in place.
  auto filter = [&](std::vector<Series>* mark_from, const std::vector<uint32_t>& msig,
                    std::vector<Series>* keep_from, const std::vector<uint32_t>& ksig,
                    bool want) -> EvalStatus {
    std::vector<size_t> mcur(mark_from->size(), 0), kcur(keep_from->size(), 0),
        kw(keep_from->size(), 0);
    for (size_t i = 0; i < n; ++i) {
      LM_EVAL_RETURN_IF_ERROR(state_->CheckInterrupt());
      const int64_t t = g.At(i);
      const uint32_t stamp = static_cast<uint32_t>(i + 1);
      double v;
      for (size_t k = 0; k < mark_from->size(); ++k) {
        if (TakePoint((*mark_from)[k], &mcur[k], t, &v)) seen[msig[k]] = stamp;
      }
      for (size_t k = 0; k < keep_from->size(); ++k) {
        Series& s = (*keep_from)[k];
        if (!TakePoint(s, &kcur[k], t, &v)) continue;
        if ((seen[ksig[k]] == stamp) == want) s.points[kw[k]++] = Point{t, v};
      }
    }
    for (size_t k = 0; k < keep_from->size(); ++k) (*keep_from)[k].points.resize(kw[k]);
    std::erase_if(*keep_from, [](const Series& s) { return s.points.empty(); });
    return std::nullopt;
  };
  switch (b.op) {
    case BinaryOp::kAnd:
      LM_EVAL_RETURN_IF_ERROR(filter(&rhs.series, rsig, &lhs.series, lsig, true));
      return Ok(std::move(lhs));
    case BinaryOp::kUnless:
      LM_EVAL_RETURN_IF_ERROR(filter(&rhs.series, rsig, &lhs.series, lsig, false));
      return Ok(std::move(lhs));
    default: {
      LM_EVAL_RETURN_IF_ERROR(filter(&lhs.series, lsig, &rhs.series, rsig, false));
      VectorVal out;
      out.series = std::move(lhs.series);
      for (Series& s : rhs.series) out.series.push_back(std::move(s));
      LM_EVAL_RETURN_IF_ERROR(MergeSameLabels(&out.series));
      return Ok(std::move(out));
    }
  }
}

}  // namespace lm::promql::eval
