// The write interface of the query cache. Thread safe.
#pragma once

#include <cstdint>

#include "store/labels.h"

namespace lm::store {

class Appender {
 public:
  virtual ~Appender() = default;
  // Adds one sample (t in ms). Samples may arrive out of order and are merged; a second
  // sample at an existing timestamp of the series is ignored (replays are idempotent).
  virtual void Append(const Labels& labels, int64_t t, double v) = 0;
};

}  // namespace lm::store
