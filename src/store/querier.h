// The read interface of the query cache: everything the PromQL engine and the HTTP API
// see of storage. Implementations are thread safe; returned series and iterators are
// snapshots that stay valid while the caller holds them, whatever is appended meanwhile.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "store/labels.h"
#include "store/matcher.h"

namespace lm::store {

// Iterates one series' samples in increasing timestamp order (milliseconds).
class SeriesIterator {
 public:
  virtual ~SeriesIterator() = default;
  // Advances to the first sample with t >= `t`; false when there is none.
  virtual bool Seek(int64_t t) = 0;
  // Advances to the next sample; false at the end.
  virtual bool Next() = 0;
  // The current sample; valid after Seek or Next returned true.
  virtual int64_t t() const = 0;
  virtual double v() const = 0;
};

using SeriesIteratorPtr = std::unique_ptr<SeriesIterator>;

class Series {
 public:
  virtual ~Series() = default;
  virtual const Labels& labels() const = 0;
  // An iterator positioned before the first sample in the selection's time range.
  virtual SeriesIteratorPtr Iterator() const = 0;
};

using SeriesPtr = std::shared_ptr<const Series>;

class Querier {
 public:
  virtual ~Querier() = default;

  // The series matching every matcher that have samples in [mint, maxt] (ms, inclusive),
  // sorted by labels. Iterators of the returned series yield only samples in that range.
  virtual Result<std::vector<SeriesPtr>> Select(const std::vector<Matcher>& matchers, int64_t mint,
                                                int64_t maxt) const = 0;

  // The label names of the series matching every matcher (every series when `matchers` is
  // empty) that have samples in [mint, maxt], sorted and unique. The default goes through
  // Select.
  virtual Result<std::vector<std::string>> LabelNames(const std::vector<Matcher>& matchers,
                                                      int64_t mint, int64_t maxt) const;

  // The values of label `name` among those series, sorted and unique (empty values are
  // absent labels and not listed). The default goes through Select.
  virtual Result<std::vector<std::string>> LabelValues(std::string_view name,
                                                       const std::vector<Matcher>& matchers,
                                                       int64_t mint, int64_t maxt) const;

  // Metric name -> type ("counter", "gauge", "histogram", "unknown") for metrics the store
  // knows the type of. The default knows none.
  virtual std::vector<std::pair<std::string, std::string>> MetricTypes() const { return {}; }
};

}  // namespace lm::store
