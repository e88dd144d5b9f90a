// The per-window computations of the functions over range vectors (rate, *_over_time, ...)
// with Prometheus' exact arithmetic. Stateless except ResetTracker; thread compatible.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <span>
#include <string_view>
#include <vector>

#include "promql/evaluator.h"

namespace lm::promql::eval {

// The functions taking a range vector.
enum class Fn {
  kRate,
  kIncrease,
  kDelta,
  kIrate,
  kIdelta,
  kDeriv,
  kPredictLinear,
  kResets,
  kChanges,
  kAvg,
  kSum,
  kCount,
  kMin,
  kMax,
  kLast,
  kFirst,
  kQuantile,
  kStddev,
  kStdvar,
  kMad,
  kPresent,
  kAbsent,
  kSmoothing,
  kTsOfMin,
  kTsOfMax,
  kTsOfFirst,
  kTsOfLast,
};

struct FnInfo {
  std::string_view name;
  Fn fn;
  size_t matrix_arg = 0;   // the position of the range vector argument
  bool keep_name = false;  // the result keeps the metric name (last_over_time, ...)
};

// The function named `name`, or null when it does not take a range vector.
const FnInfo* FindFn(std::string_view name);

// Evaluates `fn` on one non-empty window: false when it gives no value. `scratch` is reused
// between calls.
bool Compute(Fn fn, const Window& w, std::vector<double>* scratch, double* out);

// Tracks whether a sliding window holds a counter reset (a sample lower than the one before
// it), looking at each sample once, so that rate() and increase() can skip their scan.
class ResetTracker {
 public:
  // `p` is the window (from, ...]; windows only move forward. False when it surely holds no
  // reset.
  bool Update(std::span<const Point> p, int64_t from) {
    // A reset is remembered by the time of the sample before it; it is in the window while
    // that sample is.
    while (head_ < resets_.size() && resets_[head_] <= from) ++head_;
    if (head_ == resets_.size()) {
      resets_.clear();
      head_ = 0;
    }
    for (size_t i = p.size(); i-- > 1 && p[i].t > last_;) {
      if (p[i].v < p[i - 1].v) pending_.push_back(p[i - 1].t);
    }
    for (size_t k = pending_.size(); k-- > 0;) resets_.push_back(pending_[k]);
    pending_.clear();
    if (!p.empty()) last_ = std::max(last_, p.back().t);
    return head_ < resets_.size();
  }

 private:
  std::vector<int64_t> resets_;
  std::vector<int64_t> pending_;
  size_t head_ = 0;
  int64_t last_ = std::numeric_limits<int64_t>::min();
};

}  // namespace lm::promql::eval
