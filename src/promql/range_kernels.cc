#include "promql/range_kernels.h"

#include <cmath>
#include <limits>

#include "promql/eval_math.h"

namespace lm::promql::eval {
namespace {

constexpr FnInfo kFns[] = {
    {"rate", Fn::kRate},
    {"increase", Fn::kIncrease},
    {"delta", Fn::kDelta},
    {"irate", Fn::kIrate},
    {"idelta", Fn::kIdelta},
    {"deriv", Fn::kDeriv},
    {"predict_linear", Fn::kPredictLinear},
    {"resets", Fn::kResets},
    {"changes", Fn::kChanges},
    {"avg_over_time", Fn::kAvg},
    {"sum_over_time", Fn::kSum},
    {"count_over_time", Fn::kCount},
    {"min_over_time", Fn::kMin},
    {"max_over_time", Fn::kMax},
    {"last_over_time", Fn::kLast, 0, true},
    {"first_over_time", Fn::kFirst, 0, true},
    {"quantile_over_time", Fn::kQuantile, 1},
    {"stddev_over_time", Fn::kStddev},
    {"stdvar_over_time", Fn::kStdvar},
    {"mad_over_time", Fn::kMad},
    {"present_over_time", Fn::kPresent},
    {"absent_over_time", Fn::kAbsent},
    {"double_exponential_smoothing", Fn::kSmoothing},
    {"ts_of_min_over_time", Fn::kTsOfMin},
    {"ts_of_max_over_time", Fn::kTsOfMax},
    {"ts_of_first_over_time", Fn::kTsOfFirst},
    {"ts_of_last_over_time", Fn::kTsOfLast},
};

// rate(), increase() and delta(): the change over the window, extrapolated towards the
// window's boundaries (all the way when the first/last sample is within 110% of the
// average sample interval of them, else by half an interval; never below a counter's zero).
bool ExtrapolatedRate(const Window& w, bool is_counter, bool is_rate, double* out) {
  std::span<const Point> p = w.points;
  if (p.size() < 2) return false;
  double result = p.back().v - p.front().v;
  if (is_counter && w.maybe_resets) {
    double prev = p[0].v;
    for (size_t i = 1; i < p.size(); ++i) {
      if (p[i].v < prev) result += prev;
      prev = p[i].v;
    }
  }
  double to_start = static_cast<double>(p.front().t - w.range_start) / 1000;
  double to_end = static_cast<double>(w.range_end - p.back().t) / 1000;
  double sampled = static_cast<double>(p.back().t - p.front().t) / 1000;
  double avg = sampled / static_cast<double>(p.size() - 1);
  double threshold = avg * 1.1;
  double interval = sampled;
  if (to_start >= threshold) to_start = avg / 2;
  if (is_counter && result > 0 && p[0].v >= 0) {
    double to_zero = sampled * (p[0].v / result);
    if (to_zero < to_start) to_start = to_zero;
  }
  interval += to_start;
  if (to_end >= threshold) to_end = avg / 2;
  interval += to_end;
  double factor = interval / sampled;
  if (is_rate) factor /= static_cast<double>(w.range_ms) / 1000;
  *out = result * factor;
  return true;
}

// irate() and idelta(): from the last two samples.
bool InstantValue(const Window& w, bool is_rate, double* out) {
  std::span<const Point> p = w.points;
  if (p.size() < 2) return false;
  const Point& a = p[p.size() - 2];
  const Point& b = p[p.size() - 1];
  double result = b.v;
  if (!is_rate || !(b.v < a.v)) result = b.v - a.v;
  int64_t interval = b.t - a.t;
  if (interval == 0) return false;
  if (is_rate) result /= static_cast<double>(interval) / 1000;
  *out = result;
  return true;
}

double Variance(std::span<const Point> p) {
  double count = 0, mean = 0, c_mean = 0, aux = 0, c_aux = 0;
  for (const Point& x : p) {
    count += 1;
    double delta = x.v - (mean + c_mean);
    KahanInc(delta / count, &mean, &c_mean);
    KahanInc(delta * (x.v - (mean + c_mean)), &aux, &c_aux);
  }
  return (aux + c_aux) / count;
}

double Smoothing(std::span<const Point> p, double sf, double tf) {
  double s0 = 0, s1 = p[0].v, b = p[1].v - p[0].v;
  for (size_t i = 1; i < p.size(); ++i) {
    double x = sf * p[i].v;
    if (i > 1) b = tf * (s1 - s0) + (1 - tf) * b;
    double y = (1 - sf) * (s1 + b);
    s0 = s1;
    s1 = x + y;
  }
  return s1;
}

}  // namespace

const FnInfo* FindFn(std::string_view name) {
  for (const FnInfo& f : kFns) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

bool Compute(Fn fn, const Window& w, std::vector<double>* scratch, double* out) {
  std::span<const Point> p = w.points;
  switch (fn) {
    case Fn::kRate:
      return ExtrapolatedRate(w, true, true, out);
    case Fn::kIncrease:
      return ExtrapolatedRate(w, true, false, out);
    case Fn::kDelta:
      return ExtrapolatedRate(w, false, false, out);
    case Fn::kIrate:
      return InstantValue(w, true, out);
    case Fn::kIdelta:
      return InstantValue(w, false, out);
    case Fn::kDeriv: {
      if (p.size() < 2) return false;
      double intercept;
      LinearRegression(p, p[0].t, out, &intercept);
      return true;
    }
    case Fn::kPredictLinear: {
      if (p.size() < 2) return false;
      double slope, intercept;
      LinearRegression(p, w.eval_t, &slope, &intercept);
      *out = slope * w.arg0 + intercept;
      return true;
    }
    case Fn::kResets: {
      double n = 0;
      for (size_t i = 1; i < p.size(); ++i) n += p[i].v < p[i - 1].v ? 1 : 0;
      *out = n;
      return true;
    }
    case Fn::kChanges: {
      double n = 0;
      for (size_t i = 1; i < p.size(); ++i) {
        double a = p[i - 1].v, b = p[i].v;
        if (a != b && !(std::isnan(a) && std::isnan(b))) n += 1;
      }
      *out = n;
      return true;
    }
    case Fn::kAvg: {
      // Direct mean while the compensated sum stays finite (the common case, in a tight
      // loop); otherwise the general accumulator, which switches to an incremental mean.
      double sum = p[0].v, c = 0;
      size_t i = 1;
      for (; i < p.size(); ++i) {
        const double x = p[i].v;
        const double t = sum + x;
        if (std::isinf(t)) [[unlikely]]
          break;
        c += std::fabs(sum) >= std::fabs(x) ? (sum - t) + x : (x - t) + sum;
        sum = t;
      }
      if (i == p.size()) {
        const double n = static_cast<double>(p.size());
        *out = sum / n + c / n;
        return true;
      }
      MeanAcc m;
      for (const Point& x : p) m.Add(x.v);
      *out = m.Value();
      return true;
    }
    case Fn::kSum: {
      double sum = 0, c = 0;
      for (const Point& pt : p) {
        const double x = pt.v;
        const double t = sum + x;
        if (std::isinf(t)) [[unlikely]] {
          c = 0;
        } else {
          c += std::fabs(sum) >= std::fabs(x) ? (sum - t) + x : (x - t) + sum;
        }
        sum = t;
      }
      *out = std::isinf(sum) ? sum : sum + c;
      return true;
    }
    case Fn::kCount:
      *out = static_cast<double>(p.size());
      return true;
    case Fn::kMin: {
      double m = p[0].v;
      for (const Point& x : p) {
        if (x.v < m || std::isnan(m)) m = x.v;
      }
      *out = m;
      return true;
    }
    case Fn::kMax: {
      double m = p[0].v;
      for (const Point& x : p) {
        if (x.v > m || std::isnan(m)) m = x.v;
      }
      *out = m;
      return true;
    }
    case Fn::kLast:
      *out = p.back().v;
      return true;
    case Fn::kFirst:
      *out = p.front().v;
      return true;
    case Fn::kQuantile:
      scratch->clear();
      for (const Point& x : p) scratch->push_back(x.v);
      *out = Quantile(w.arg0, scratch);
      return true;
    case Fn::kStddev:
      *out = std::sqrt(Variance(p));
      return true;
    case Fn::kStdvar:
      *out = Variance(p);
      return true;
    case Fn::kMad: {
      scratch->clear();
      for (const Point& x : p) {
        if (std::isnan(x.v)) {
          *out = std::numeric_limits<double>::quiet_NaN();
          return true;
        }
        scratch->push_back(x.v);
      }
      double median = Quantile(0.5, scratch);
      for (double& v : *scratch) v = std::fabs(v - median);
      *out = Quantile(0.5, scratch);
      return true;
    }
    case Fn::kPresent:
      *out = 1;
      return true;
    case Fn::kSmoothing:
      if (p.size() < 2) return false;
      *out = Smoothing(p, w.arg0, w.arg1);
      return true;
    case Fn::kTsOfMin:
    case Fn::kTsOfMax: {
      double m = p[0].v;
      int64_t t = p[0].t;
      for (const Point& x : p) {
        bool better = fn == Fn::kTsOfMin ? x.v <= m : x.v >= m;
        if (better || std::isnan(m)) {
          m = x.v;
          t = x.t;
        }
      }
      *out = static_cast<double>(t) / 1000;
      return true;
    }
    case Fn::kTsOfFirst:
      *out = static_cast<double>(p.front().t) / 1000;
      return true;
    case Fn::kTsOfLast:
      *out = static_cast<double>(p.back().t) / 1000;
      return true;
    case Fn::kAbsent:
      break;
  }
  return false;
}

}  // namespace lm::promql::eval
