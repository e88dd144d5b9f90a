// histogram_quantile() over classic histograms: series with an `le` label, grouped by
// their other labels.
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <unordered_map>

#include <fmt/format.h>

#include "promql/evaluator.h"

namespace lm::promql::eval {
namespace {

struct Bucket {
  double upper;
  double count;
};

constexpr double kMinNormal = 2.2250738585072014e-308;
constexpr double kSmallDeltaTolerance = 1e-12;

bool AlmostEqual(double a, double b, double epsilon) {
  if (std::isnan(a) && std::isnan(b)) return true;
  if (a == b) return true;
  double abs_sum = std::fabs(a) + std::fabs(b);
  double diff = std::fabs(a - b);
  if (a == 0 || b == 0 || abs_sum < kMinNormal) return diff < epsilon * kMinNormal;
  return diff / std::min(abs_sum, std::numeric_limits<double>::max()) < epsilon;
}

// Parses a bucket bound like Go's strconv.ParseFloat ("0.1", "1e0", "+Inf", ...).
bool ParseBound(std::string_view s, double* out) {
  if (s.empty() || std::isspace(static_cast<unsigned char>(s[0]))) return false;
  std::string str(s);
  errno = 0;
  char* end = nullptr;
  *out = std::strtod(str.c_str(), &end);
  return end == str.c_str() + str.size();
}

// The q-quantile of the buckets (sorted, merged and made monotonic here), interpolated
// linearly within the bucket it falls in. `forced` is set when counts had to be raised
// to be monotonic.
double BucketQuantile(double q, std::vector<Bucket>* buckets, bool* forced) {
  *forced = false;
  if (std::isnan(q)) return std::numeric_limits<double>::quiet_NaN();
  if (q < 0) return -std::numeric_limits<double>::infinity();
  if (q > 1) return std::numeric_limits<double>::infinity();
  std::vector<Bucket>& b = *buckets;
  std::sort(b.begin(), b.end(), [](const Bucket& x, const Bucket& y) { return x.upper < y.upper; });
  if (b.empty() || !(std::isinf(b.back().upper) && b.back().upper > 0)) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  // Buckets with the same bound (le="0.2" and le="2e-1") are one bucket.
  size_t w = 0;
  for (size_t i = 0; i < b.size(); ++i) {
    if (w > 0 && b[w - 1].upper == b[i].upper) {
      b[w - 1].count += b[i].count;
    } else {
      b[w++] = b[i];
    }
  }
  b.resize(w);
  double prev = b[0].count;
  for (size_t i = 1; i < b.size(); ++i) {
    double curr = b[i].count;
    if (curr == prev) continue;
    if (AlmostEqual(prev, curr, kSmallDeltaTolerance)) {
      b[i].count = prev;
      continue;
    }
    if (curr < prev) {
      b[i].count = prev;
      *forced = true;
      continue;
    }
    prev = curr;
  }
  if (b.size() < 2) return std::numeric_limits<double>::quiet_NaN();
  double observations = b.back().count;
  if (observations == 0) return std::numeric_limits<double>::quiet_NaN();
  double rank = q * observations;
  size_t i =
      static_cast<size_t>(std::partition_point(b.begin(), b.end() - 1,
                                               [&](const Bucket& x) { return x.count < rank; }) -
                          b.begin());
  if (i == b.size() - 1) return b[b.size() - 2].upper;
  if (i == 0 && b[0].upper <= 0) return b[0].upper;
  double start = 0, end = b[i].upper, count = b[i].count;
  if (i > 0) {
    start = b[i - 1].upper;
    count -= b[i - 1].count;
    rank -= b[i - 1].count;
  }
  return start + (end - start) * (rank / count);
}

// Sorts, merges equal bounds and makes counts monotonic, as for quantiles. Returns false
// when the buckets cannot describe a distribution (no +Inf bucket). Sets `forced`.
bool NormalizeBuckets(std::vector<Bucket>* buckets, bool* forced) {
  *forced = false;
  std::vector<Bucket>& b = *buckets;
  std::sort(b.begin(), b.end(), [](const Bucket& x, const Bucket& y) { return x.upper < y.upper; });
  if (b.empty() || !(std::isinf(b.back().upper) && b.back().upper > 0)) return false;
  size_t w = 0;
  for (size_t i = 0; i < b.size(); ++i) {
    if (w > 0 && b[w - 1].upper == b[i].upper) {
      b[w - 1].count += b[i].count;
    } else {
      b[w++] = b[i];
    }
  }
  b.resize(w);
  for (size_t i = 1; i < b.size(); ++i) {
    if (b[i].count < b[i - 1].count) {
      if (!AlmostEqual(b[i - 1].count, b[i].count, kSmallDeltaTolerance)) *forced = true;
      b[i].count = b[i - 1].count;
    }
  }
  return true;
}

// The fraction of observations between `lower` and `upper` in classic buckets, assuming
// observations spread evenly within each finite bucket. The first bucket starts at 0 when
// its upper bound is positive and at -Inf otherwise; a bucket of infinite width counts whole
// when the range reaches its infinite end and not at all otherwise.
double BucketFraction(double lower, double upper, std::vector<Bucket>* buckets, bool* forced) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (!NormalizeBuckets(buckets, forced)) return nan;
  const std::vector<Bucket>& b = *buckets;
  const double total = b.back().count;
  if (total == 0 || std::isnan(lower) || std::isnan(upper)) return nan;
  if (lower >= upper) return 0;
  double in_range = 0;
  for (size_t i = 0; i < b.size(); ++i) {
    const double hi = b[i].upper;
    const double lo =
        i > 0 ? b[i - 1].upper : (hi > 0 ? 0 : -std::numeric_limits<double>::infinity());
    const double count = b[i].count - (i > 0 ? b[i - 1].count : 0);
    if (count <= 0) continue;
    if (lower <= lo && hi <= upper) {
      in_range += count;
      continue;
    }
    // No interpolation in a bucket of infinite width: it counts whole when the range
    // reaches its infinite end, else not at all.
    if (std::isinf(hi)) {
      if (std::isinf(upper) && upper > 0) in_range += count;
      continue;
    }
    if (std::isinf(lo)) {
      if (std::isinf(lower) && lower < 0) in_range += count;
      continue;
    }
    const double from = std::max(lo, lower);
    const double to = std::min(hi, upper);
    if (to > from) in_range += count * (to - from) / (hi - lo);
  }
  return in_range / total;
}

}  // namespace

EvalResult Evaluator::EvalHistogramFraction(const Call& call, const Grid& g) {
  LM_ASSIGN_OR_RETURN(ScalarVal lower, EvalScalar(*call.args[0], g));
  LM_ASSIGN_OR_RETURN(ScalarVal upper, EvalScalar(*call.args[1], g));
  return EvalBucketGroups(
      call, *call.args[2], g,
      [&](size_t i, std::vector<Bucket>* buckets, bool* forced) {
        return BucketFraction(lower.v[i], upper.v[i], buckets, forced);
      },
      "histogram_fraction");
}

EvalResult Evaluator::EvalHistogramQuantile(const Call& call, const Grid& g) {
  LM_ASSIGN_OR_RETURN(ScalarVal q, EvalScalar(*call.args[0], g));
  for (double x : q.v) {
    if (std::isnan(x) || x < 0 || x > 1) {
      state_->Warn(fmt::format("quantile value should be between 0 and 1, got {}", GoFloat(x)),
                   call.args[0]->pos);
      break;
    }
  }
  return EvalBucketGroups(
      call, *call.args[1], g,
      [&](size_t i, std::vector<Bucket>* buckets, bool* forced) {
        return BucketQuantile(q.v[i], buckets, forced);
      },
      "histogram_quantile");
}

template <typename PerStep>
EvalResult Evaluator::EvalBucketGroups(const Call& call, const Expr& vector_arg, const Grid& g,
                                       PerStep per_step, std::string_view function) {
  (void)call;
  LM_ASSIGN_OR_RETURN(VectorVal in, EvalVector(vector_arg, g));
  const size_t n = g.size();
  const size_t vec_pos = vector_arg.pos;
  // Group the bucket series by their labels without `le`.
  struct Group {
    LabelsPtr labels;
    std::string name;
    std::vector<std::pair<uint32_t, double>> members;  // series index, upper bound
  };
  std::vector<Group> groups;
  std::unordered_map<std::string, uint32_t> index;
  std::string key;
  for (uint32_t i = 0; i < in.series.size(); ++i) {
    const store::Labels& l = *in.series[i].labels;
    double upper;
    if (!ParseBound(l.Get("le"), &upper)) {
      state_->Warn(fmt::format("bucket label \"le\" is missing or has a malformed value of {} for "
                               "metric name {}",
                               GoQuote(l.Get("le")), GoQuote(l.MetricName())),
                   vec_pos);
      continue;
    }
    key.clear();
    std::vector<store::Label> out;
    for (const store::Label& x : l.items()) {
      if (x.name == "le") continue;
      key.append(x.name).push_back('\xff');
      key.append(x.value).push_back('\xff');
      if (x.name != store::kMetricNameLabel) out.push_back(x);
    }
    auto [it, inserted] = index.try_emplace(key, static_cast<uint32_t>(groups.size()));
    if (inserted) {
      groups.push_back(Group{MakeLabels(std::move(out)), std::string(l.MetricName()), {}});
    }
    groups[it->second].members.emplace_back(i, upper);
  }
  std::vector<size_t> cursor(in.series.size(), 0);
  std::vector<Series> out(groups.size());
  std::vector<Bucket> buckets;
  for (size_t gi = 0; gi < groups.size(); ++gi) out[gi].labels = groups[gi].labels;
  for (size_t i = 0; i < n; ++i) {
    LM_EVAL_RETURN_IF_ERROR(state_->CheckInterrupt());
    const int64_t t = g.At(i);
    for (size_t gi = 0; gi < groups.size(); ++gi) {
      buckets.clear();
      for (const auto& [si, upper] : groups[gi].members) {
        const std::vector<Point>& pts = in.series[si].points;
        size_t& c = cursor[si];
        if (c < pts.size() && pts[c].t == t) buckets.push_back(Bucket{upper, pts[c++].v});
      }
      if (buckets.empty()) continue;
      bool forced = false;
      double v = per_step(i, &buckets, &forced);
      if (forced) {
        state_->Info(fmt::format("input to {} needed to be fixed for monotonicity "
                                 "(see https://prometheus.io/docs/prometheus/latest/querying/"
                                 "functions/#histogram_quantile) for metric name {}",
                                 function, GoQuote(groups[gi].name)),
                     vec_pos);
      }
      out[gi].points.push_back(Point{t, v});
    }
  }
  std::erase_if(out, [](const Series& s) { return s.points.empty(); });
  LM_EVAL_RETURN_IF_ERROR(MergeSameLabels(&out));
  VectorVal result;
  result.series = std::move(out);
  return Ok(std::move(result));
}

}  // namespace lm::promql::eval
