// Numeric helpers with the exact semantics of Prometheus' (Go) evaluation: Kahan-Neumaier
// summation, Go's math.Max/Min NaN and infinity rules, quantiles, least squares.
// Stateless; thread safe.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "promql/value.h"

namespace lm::promql::eval {

struct KahanSum {
  double sum = 0;
  double c = 0;

  // One step of Neumaier's improved Kahan summation; the compensation is reset when the
  // sum becomes infinite so that it does not turn into NaN.
  void Add(double inc) {
    double t = sum + inc;
    if (std::isinf(t)) {
      c = 0;
    } else if (std::fabs(sum) >= std::fabs(inc)) {
      c += (sum - t) + inc;
    } else {
      c += (inc - t) + sum;
    }
    sum = t;
  }
  double Value() const { return std::isinf(sum) ? sum : sum + c; }
};

// Returns (t, c) of kahanSumInc(inc, sum, c).
inline void KahanInc(double inc, double* sum, double* c) {
  KahanSum k{*sum, *c};
  k.Add(inc);
  *sum = k.sum;
  *c = k.c;
}

// An average that sums directly (with compensation) while the sum stays finite and
// switches to an incremental mean when it would overflow.
struct MeanAcc {
  double sum = 0;
  double c = 0;
  double mean = 0;
  double count = 0;
  bool incremental = false;

  void Add(double v) {
    count += 1;
    if (count == 1) {
      sum = v;
      c = 0;
      return;
    }
    if (!incremental) {
      double s = sum, cc = c;
      KahanInc(v, &s, &cc);
      if (!std::isinf(s)) {
        sum = s;
        c = cc;
        return;
      }
      incremental = true;
      mean = sum / (count - 1);
      c /= count - 1;
    }
    double q = (count - 1) / count;
    double m = q * mean, cc = q * c;
    KahanInc(v / count, &m, &cc);
    mean = m;
    c = cc;
  }
  double Value() const {
    if (incremental) return mean + c;
    return sum / count + c / count;
  }
};

// Go's math.Max: +Inf wins over NaN, NaN over everything else.
inline double GoMax(double x, double y) {
  if (std::isinf(x) && x > 0) return x;
  if (std::isinf(y) && y > 0) return y;
  if (std::isnan(x) || std::isnan(y)) return std::numeric_limits<double>::quiet_NaN();
  if (x == 0 && x == y) return std::signbit(x) ? y : x;
  return x > y ? x : y;
}

// Go's math.Min: -Inf wins over NaN, NaN over everything else.
inline double GoMin(double x, double y) {
  if (std::isinf(x) && x < 0) return x;
  if (std::isinf(y) && y < 0) return y;
  if (std::isnan(x) || std::isnan(y)) return std::numeric_limits<double>::quiet_NaN();
  if (x == 0 && x == y) return std::signbit(x) ? x : y;
  return x < y ? x : y;
}

// Ascending order with NaN first (Prometheus' vectorByValueHeap).
inline bool NaNFirstLess(double a, double b) {
  if (std::isnan(a)) return !std::isnan(b);
  return a < b;
}

// The q-quantile of `values` (sorted in place) by linear interpolation between closest
// ranks; NaN sorts first. -Inf/+Inf for q below 0/above 1, NaN for NaN or no values.
inline double Quantile(double q, std::vector<double>* values) {
  if (values->empty() || std::isnan(q)) return std::numeric_limits<double>::quiet_NaN();
  if (q < 0) return -std::numeric_limits<double>::infinity();
  if (q > 1) return std::numeric_limits<double>::infinity();
  std::sort(values->begin(), values->end(), NaNFirstLess);
  double n = static_cast<double>(values->size());
  double rank = q * (n - 1);
  double lower = std::max(0.0, std::floor(rank));
  double upper = std::min(n - 1, lower + 1);
  double weight = rank - std::floor(rank);
  return (*values)[static_cast<size_t>(lower)] * (1 - weight) +
         (*values)[static_cast<size_t>(upper)] * weight;
}

// Least-squares fit of the points with x in seconds relative to `intercept_time` (ms).
// Constant series give slope 0 (NaN when the constant is infinite).
inline void LinearRegression(std::span<const Point> pts, int64_t intercept_time, double* slope,
                             double* intercept) {
  double n = 0;
  KahanSum sx, sy, sxy, sx2;
  double init_y = pts[0].v;
  bool const_y = true;
  for (size_t i = 0; i < pts.size(); ++i) {
    if (const_y && i > 0 && pts[i].v != init_y) const_y = false;
    n += 1;
    double x = static_cast<double>(pts[i].t - intercept_time) / 1e3;
    sx.Add(x);
    sy.Add(pts[i].v);
    sxy.Add(x * pts[i].v);
    sx2.Add(x * x);
  }
  if (const_y) {
    if (std::isinf(init_y)) {
      *slope = *intercept = std::numeric_limits<double>::quiet_NaN();
      return;
    }
    *slope = 0;
    *intercept = init_y;
    return;
  }
  double sum_x = sx.sum + sx.c, sum_y = sy.sum + sy.c;
  double sum_xy = sxy.sum + sxy.c, sum_x2 = sx2.sum + sx2.c;
  double cov_xy = sum_xy - sum_x * sum_y / n;
  double var_x = sum_x2 - sum_x * sum_x / n;
  *slope = cov_xy / var_x;
  *intercept = sum_y / n - *slope * sum_x / n;
}

}  // namespace lm::promql::eval
