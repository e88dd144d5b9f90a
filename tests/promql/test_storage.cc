#include "tests/promql/test_storage.h"

#include <algorithm>

namespace lm::promql::testing {
namespace {

class SnapshotSeries : public store::Series {
 public:
  SnapshotSeries(store::Labels labels, std::vector<int64_t> ts, std::vector<double> vs)
      : labels_(std::move(labels)), ts_(std::move(ts)), vs_(std::move(vs)) {}

  const store::Labels& labels() const override { return labels_; }
  store::SeriesIteratorPtr Iterator() const override { return std::make_unique<Iter>(this); }

 private:
  class Iter : public store::SeriesIterator {
   public:
    explicit Iter(const SnapshotSeries* s) : s_(s) {}
    bool Seek(int64_t t) override {
      size_t from = i_ < 0 ? 0 : static_cast<size_t>(i_);
      i_ = std::lower_bound(s_->ts_.begin() + from, s_->ts_.end(), t) - s_->ts_.begin();
      return static_cast<size_t>(i_) < s_->ts_.size();
    }
    bool Next() override { return static_cast<size_t>(++i_) < s_->ts_.size(); }
    int64_t t() const override { return s_->ts_[i_]; }
    double v() const override { return s_->vs_[i_]; }

   private:
    const SnapshotSeries* s_;
    std::ptrdiff_t i_ = -1;
  };

  store::Labels labels_;
  std::vector<int64_t> ts_;
  std::vector<double> vs_;
};

}  // namespace

void TestStorage::Add(const store::Labels& labels, int64_t t, double v) {
  series_[labels].samples[t] = v;
}

void TestStorage::AddHistogram(const store::Labels& labels, int64_t t) {
  series_[labels].histograms.push_back(t);
}

Result<std::vector<store::SeriesPtr>> TestStorage::Select(
    const std::vector<store::Matcher>& matchers, int64_t mint, int64_t maxt) const {
  std::vector<store::SeriesPtr> out;
  for (const auto& [labels, data] : series_) {
    bool ok = std::all_of(matchers.begin(), matchers.end(),
                          [&](const store::Matcher& m) { return m.Matches(labels.Get(m.name())); });
    if (!ok) continue;
    for (int64_t t : data.histograms) {
      if (t >= mint && t <= maxt) touched_histogram_ = true;
    }
    std::vector<int64_t> ts;
    std::vector<double> vs;
    for (auto it = data.samples.lower_bound(mint); it != data.samples.end() && it->first <= maxt;
         ++it) {
      ts.push_back(it->first);
      vs.push_back(it->second);
    }
    if (ts.empty()) continue;
    out.push_back(std::make_shared<SnapshotSeries>(labels, std::move(ts), std::move(vs)));
  }
  return out;
}

}  // namespace lm::promql::testing
