// An in-memory store::Querier for tests: samples are added directly and kept per series in
// time order (a later sample at the same time replaces the earlier one, as in a Prometheus
// test load). Native histogram samples are not stored, only remembered, so that a test can
// tell whether a query touched a series that had some. Not thread safe.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "store/querier.h"

namespace lm::promql::testing {

class TestStorage : public store::Querier {
 public:
  void Add(const store::Labels& labels, int64_t t, double v);
  // A native histogram sample of `labels` at `t` (not stored).
  void AddHistogram(const store::Labels& labels, int64_t t);
  void Clear() { series_.clear(); }

  // Whether a Select since the last call matched a series with histogram samples in range.
  bool TakeTouchedHistogram() {
    bool t = touched_histogram_;
    touched_histogram_ = false;
    return t;
  }

  Result<std::vector<store::SeriesPtr>> Select(const std::vector<store::Matcher>& matchers,
                                               int64_t mint, int64_t maxt) const override;

 private:
  struct Data {
    std::map<int64_t, double> samples;
    std::vector<int64_t> histograms;
  };
  std::map<store::Labels, Data> series_;
  mutable bool touched_histogram_ = false;
};

}  // namespace lm::promql::testing
