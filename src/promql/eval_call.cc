// Function calls: dispatch, and the functions of instant vectors and scalars.
#include <cmath>
#include <numbers>

#include <fmt/format.h>

#include "promql/eval_math.h"
#include "promql/evaluator.h"
#include "promql/functions.h"

namespace lm::promql::eval {
namespace {

using MathFn = double (*)(double);

double Sgn(double v) {
  if (v < 0) return -1;
  if (v > 0) return 1;
  return v;
}
double Deg(double v) { return v * 180 / std::numbers::pi; }
double Rad(double v) { return v * std::numbers::pi / 180; }

struct MathEntry {
  std::string_view name;
  MathFn fn;
};

const MathEntry kMath[] = {
    {"abs", [](double v) { return std::fabs(v); }},
    {"ceil", [](double v) { return std::ceil(v); }},
    {"floor", [](double v) { return std::floor(v); }},
    {"exp", [](double v) { return std::exp(v); }},
    {"sqrt", [](double v) { return std::sqrt(v); }},
    {"ln", [](double v) { return std::log(v); }},
    {"log2", [](double v) { return std::log2(v); }},
    {"log10", [](double v) { return std::log10(v); }},
    {"sin", [](double v) { return std::sin(v); }},
    {"cos", [](double v) { return std::cos(v); }},
    {"tan", [](double v) { return std::tan(v); }},
    {"asin", [](double v) { return std::asin(v); }},
    {"acos", [](double v) { return std::acos(v); }},
    {"atan", [](double v) { return std::atan(v); }},
    {"sinh", [](double v) { return std::sinh(v); }},
    {"cosh", [](double v) { return std::cosh(v); }},
    {"tanh", [](double v) { return std::tanh(v); }},
    {"asinh", [](double v) { return std::asinh(v); }},
    {"acosh", [](double v) { return std::acosh(v); }},
    {"atanh", [](double v) { return std::atanh(v); }},
    {"deg", Deg},
    {"rad", Rad},
    {"sgn", Sgn},
};

MathFn FindMath(std::string_view name) {
  for (const MathEntry& e : kMath) {
    if (e.name == name) return e.fn;
  }
  return nullptr;
}

// Replaces each point's value by f(value, step index); points for which f returns false
// are removed. The metric name is marked for removal.
template <typename F>
EvalResult MapPoints(VectorVal v, const Grid& g, F f) {
  for (Series& s : v.series) {
    size_t w = 0, next = 0;
    for (Point& p : s.points) {
      const size_t i = g.IndexFrom(p.t, next);
      next = i + 1;
      if (f(&p.v, i)) s.points[w++] = p;
    }
    s.points.resize(w);
    s.drop_name = true;
  }
  std::erase_if(v.series, [](const Series& s) { return s.points.empty(); });
  return Ok(std::move(v));
}

// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
void CivilFromDays(int64_t z, int64_t* y, int* m, int* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  *d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  *m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  *y = yoe + era * 400 + (*m <= 2 ? 1 : 0);
}

int64_t DaysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

// The date function `name` of a Unix time in seconds (UTC), as Go's time package gives it.
double DatePart(std::string_view name, double seconds) {
  if (!(std::fabs(seconds) < 9e18)) return std::numeric_limits<double>::quiet_NaN();
  const int64_t secs = static_cast<int64_t>(seconds);  // truncated, as Go's int64(f)
  int64_t days = secs / 86400;
  int64_t rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  int64_t y;
  int m, d;
  CivilFromDays(days, &y, &m, &d);
  if (name == "year") return static_cast<double>(y);
  if (name == "month") return m;
  if (name == "day_of_month") return d;
  if (name == "day_of_week") return static_cast<double>(((days % 7) + 11) % 7);
  if (name == "day_of_year") return static_cast<double>(days - DaysFromCivil(y, 1, 1) + 1);
  if (name == "days_in_month") {
    static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
  }
  if (name == "hour") return static_cast<double>(rem / 3600);
  return static_cast<double>(rem % 3600 / 60);  // minute
}

bool IsDateFunction(std::string_view name) {
  for (std::string_view n : {"year", "month", "day_of_month", "day_of_week", "day_of_year",
                             "days_in_month", "hour", "minute"}) {
    if (n == name) return true;
  }
  return false;
}

}  // namespace

EvalResult Evaluator::EvalCall(const Call& call, const Grid& g) {
  const FunctionInfo& f = *call.function;
  const std::string_view name = f.name;
  const size_t n = g.size();
  for (ValueType t : f.arg_types) {
    if (t == ValueType::kMatrix) return EvalRangeFunction(call, g);
  }
  if (MathFn fn = FindMath(name)) {
    LM_ASSIGN_OR_RETURN(VectorVal v, EvalVector(*call.args[0], g));
    return MapPoints(std::move(v), g, [fn](double* x, size_t) {
      *x = fn(*x);
      return true;
    });
  }
  if (name == "round") {
    LM_ASSIGN_OR_RETURN(VectorVal v, EvalVector(*call.args[0], g));
    ScalarVal to_nearest{std::vector<double>(n, 1)};
    if (call.args.size() > 1) {
      LM_ASSIGN_OR_RETURN(to_nearest, EvalScalar(*call.args[1], g));
    }
    return MapPoints(std::move(v), g, [&](double* x, size_t i) {
      // Round half up, to a multiple of to_nearest.
      double inv = 1.0 / to_nearest.v[i];
      *x = std::floor(*x * inv + 0.5) / inv;
      return true;
    });
  }
  if (name == "clamp" || name == "clamp_min" || name == "clamp_max") {
    LM_ASSIGN_OR_RETURN(VectorVal v, EvalVector(*call.args[0], g));
    LM_ASSIGN_OR_RETURN(ScalarVal a, EvalScalar(*call.args[1], g));
    ScalarVal b;
    if (name == "clamp") {
      LM_ASSIGN_OR_RETURN(b, EvalScalar(*call.args[2], g));
    }
    return MapPoints(std::move(v), g, [&](double* x, size_t i) {
      if (name == "clamp_min") {
        *x = GoMax(a.v[i], *x);
      } else if (name == "clamp_max") {
        *x = GoMin(a.v[i], *x);
      } else {
        if (b.v[i] < a.v[i]) return false;
        *x = GoMax(a.v[i], GoMin(b.v[i], *x));
      }
      return true;
    });
  }
  if (IsDateFunction(name)) {
    if (call.args.empty()) {
      Series s{EmptyLabels(), {}, false};
      s.points.reserve(n);
      for (size_t i = 0; i < n; ++i) {
        s.points.push_back(Point{g.At(i), DatePart(name, static_cast<double>(g.At(i)) / 1000)});
      }
      VectorVal out;
      if (!s.points.empty()) out.series.push_back(std::move(s));
      return Ok(std::move(out));
    }
    LM_ASSIGN_OR_RETURN(VectorVal v, EvalVector(*call.args[0], g));
    return MapPoints(std::move(v), g, [name](double* x, size_t) {
      *x = DatePart(name, *x);
      return true;
    });
  }
  if (name == "timestamp") {
    // Of a selector: the time of the selected samples; of anything else, the step's time.
    const Expr* arg = Unparen(call.args[0].get());
    if (const auto* vs = std::get_if<VectorSelector>(&arg->node)) {
      LM_ASSIGN_OR_RETURN(Val v, EvalVectorSelector(*vs, g, true));
      for (Series& s : std::get<VectorVal>(v).series) s.drop_name = true;
      return v;
    }
    LM_ASSIGN_OR_RETURN(VectorVal v, EvalVector(*arg, g));
    for (Series& s : v.series) {
      for (Point& p : s.points) p.v = static_cast<double>(p.t) / 1000;
      s.drop_name = true;
    }
    return Ok(std::move(v));
  }
  if (name == "vector") {
    LM_ASSIGN_OR_RETURN(ScalarVal s, EvalScalar(*call.args[0], g));
    VectorVal out;
    Series series{EmptyLabels(), {}, false};
    series.points.reserve(n);
    for (size_t i = 0; i < n; ++i) series.points.push_back(Point{g.At(i), s.v[i]});
    if (!series.points.empty()) out.series.push_back(std::move(series));
    return Ok(std::move(out));
  }
  if (name == "scalar") {
    LM_ASSIGN_OR_RETURN(VectorVal v, EvalVector(*call.args[0], g));
    std::vector<uint32_t> count(n, 0);
    ScalarVal out{std::vector<double>(n, std::numeric_limits<double>::quiet_NaN())};
    for (const Series& s : v.series) {
      for (const Point& p : s.points) {
        size_t i = g.Index(p.t);
        if (++count[i] == 1) {
          out.v[i] = p.v;
        } else {
          out.v[i] = std::numeric_limits<double>::quiet_NaN();
        }
      }
    }
    return Ok(std::move(out));
  }
  if (name == "time" || name == "start" || name == "end" || name == "step" || name == "range" ||
      name == "pi") {
    ScalarVal out{std::vector<double>(n)};
    for (size_t i = 0; i < n; ++i) {
      if (name == "time") {
        out.v[i] = static_cast<double>(g.At(i)) / 1000;
      } else if (name == "start") {
        out.v[i] = static_cast<double>(params_.query_start) / 1000;
      } else if (name == "end") {
        out.v[i] = static_cast<double>(params_.query_end) / 1000;
      } else if (name == "step") {
        out.v[i] = static_cast<double>(params_.step) / 1000;
      } else if (name == "range") {
        out.v[i] = static_cast<double>(params_.query_end - params_.query_start) / 1000;
      } else {
        out.v[i] = std::numbers::pi;
      }
    }
    return Ok(std::move(out));
  }
  if (name == "min_of" || name == "max_of") {
    LM_ASSIGN_OR_RETURN(ScalarVal a, EvalScalar(*call.args[0], g));
    LM_ASSIGN_OR_RETURN(ScalarVal b, EvalScalar(*call.args[1], g));
    for (size_t i = 0; i < n; ++i) {
      a.v[i] = name == "min_of" ? GoMin(a.v[i], b.v[i]) : GoMax(a.v[i], b.v[i]);
    }
    return Ok(std::move(a));
  }
  if (name == "absent") {
    LM_ASSIGN_OR_RETURN(VectorVal v, EvalVector(*call.args[0], g));
    std::vector<uint8_t> present(n, 0);
    for (const Series& s : v.series) {
      for (const Point& p : s.points) present[g.Index(p.t)] = 1;
    }
    const Expr* arg = Unparen(call.args[0].get());
    const auto* vs = std::get_if<VectorSelector>(&arg->node);
    Series s{vs != nullptr ? AbsentLabels(vs->matchers) : EmptyLabels(), {}, false};
    for (size_t i = 0; i < n; ++i) {
      if (!present[i]) s.points.push_back(Point{g.At(i), 1});
    }
    VectorVal out;
    if (!s.points.empty()) out.series.push_back(std::move(s));
    return Ok(std::move(out));
  }
  if (name == "histogram_quantile") return EvalHistogramQuantile(call, g);
  if (name == "histogram_fraction") return EvalHistogramFraction(call, g);
  if (name == "histogram_count" || name == "histogram_sum" || name == "histogram_avg" ||
      name == "histogram_stddev" || name == "histogram_stdvar") {
    // These read native histogram samples only; float samples (classic histograms and
    // everything else Lightmetrics stores) are ignored, so the result is empty.
    LM_ASSIGN_OR_RETURN(VectorVal v, EvalVector(*call.args[0], g));
    (void)v;
    return Ok(VectorVal{});
  }
  return EvalLabelFunction(call, g);
}

}  // namespace lm::promql::eval
