// Sliding windows (from, to] over the samples of one series, for range vector selectors
// and subqueries. Windows only move forward, so each sample is read once however many
// steps overlap it. Thread compatible.
#pragma once

#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "promql/value.h"
#include "store/querier.h"

namespace lm::promql::eval {

// Over a stored series. Staleness markers are skipped (range vectors never contain them).
class StoreWindow {
 public:
  // `buf` is scratch space reused between series; it is cleared here.
  StoreWindow(store::SeriesIteratorPtr it, std::vector<Point>* buf)
      : it_(std::move(it)), buf_(buf) {
    buf_->clear();
    nt_ = it_->Next() ? it_->t() : kEnd;
  }

  // The samples in (from, to]; neither bound may decrease between calls.
  std::span<const Point> Advance(int64_t from, int64_t to) {
    while (lo_ < buf_->size() && (*buf_)[lo_].t <= from) ++lo_;
    if (lo_ == buf_->size()) {
      buf_->clear();
      lo_ = 0;
      if (nt_ <= from) nt_ = it_->Seek(from + 1) ? it_->t() : kEnd;
    } else if (lo_ >= 1024 && lo_ * 2 >= buf_->size()) {
      buf_->erase(buf_->begin(), buf_->begin() + static_cast<std::ptrdiff_t>(lo_));
      lo_ = 0;
    }
    while (nt_ <= to) {
      double v = it_->v();
      if (nt_ > from && !IsStaleMarker(v)) buf_->push_back(Point{nt_, v});
      nt_ = it_->Next() ? it_->t() : kEnd;
    }
    return {buf_->data() + lo_, buf_->size() - lo_};
  }

 private:
  static constexpr int64_t kEnd = std::numeric_limits<int64_t>::max();
  store::SeriesIteratorPtr it_;
  std::vector<Point>* buf_;
  int64_t nt_;  // the time of the iterator's current sample, kEnd at the end
  size_t lo_ = 0;
};

// Over points already in memory (a subquery's inner result), sorted by time.
class PointsWindow {
 public:
  explicit PointsWindow(std::span<const Point> pts) : pts_(pts) {}

  std::span<const Point> Advance(int64_t from, int64_t to) {
    while (lo_ < pts_.size() && pts_[lo_].t <= from) ++lo_;
    if (hi_ < lo_) hi_ = lo_;
    while (hi_ < pts_.size() && pts_[hi_].t <= to) ++hi_;
    return pts_.subspan(lo_, hi_ - lo_);
  }

 private:
  std::span<const Point> pts_;
  size_t lo_ = 0;
  size_t hi_ = 0;
};

}  // namespace lm::promql::eval
