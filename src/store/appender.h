// The write interface of the query cache. Thread safe.
#pragma once

#include <cstddef>
#include <cstdint>

#include "store/labels.h"

namespace lm::store {

class Appender {
 public:
  virtual ~Appender() = default;
  // Adds one sample (t in ms). Samples may arrive out of order and are merged; a second
  // sample at an existing timestamp of the series is ignored (replays are idempotent).
  virtual void Append(const Labels& labels, int64_t t, double v) = 0;

  // Adds n samples of one series (ts in ms), with Append's rules; one series lookup for
  // all of them. The default calls Append n times.
  virtual void AppendMany(const Labels& labels, const int64_t* ts, const double* vs, size_t n) {
    for (size_t i = 0; i < n; ++i) Append(labels, ts[i], vs[i]);
  }
};

}  // namespace lm::store
