// The write interface of the query cache. Thread safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>

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

  // AppendMany for a series named by `key`, any byte string that always denotes the same
  // label set (e.g. the series as it arrived on the wire); `make_labels` builds that label
  // set and is only called when the key is not known yet. Lets an implementation skip
  // building and hashing Labels for series it has seen. The default builds them each time.
  // Records the type of metric `name` ("counter", "gauge", "histogram"), for metadata
  // queries. The default ignores it.
  virtual void NoteMetricType(std::string_view name, std::string_view type) {
    (void)name;
    (void)type;
  }

  virtual void AppendKeyed(std::string_view key, const std::function<Labels()>& make_labels,
                           const int64_t* ts, const double* vs, size_t n) {
    (void)key;
    AppendMany(make_labels(), ts, vs, n);
  }
};

}  // namespace lm::store
