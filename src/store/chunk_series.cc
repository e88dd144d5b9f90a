#include "store/chunk_series.h"

#include <algorithm>
#include <cassert>

namespace lm::store {
namespace {

class ChunkSeriesIterator : public SeriesIterator {
 public:
  ChunkSeriesIterator(const std::vector<chunk::ChunkPtr>* chunks, int64_t mint, int64_t maxt)
      : chunks_(chunks), mint_(mint), maxt_(maxt) {}

  bool Seek(int64_t t) override {
    if (done_) return false;
    t = std::max(t, mint_);
    if (valid_ && it_.t() >= t) return true;
    // The first chunk from the current one on that reaches t; earlier ones are skipped
    // without decoding.
    auto from = chunks_->begin() + static_cast<std::ptrdiff_t>(ci_);
    auto next = std::partition_point(from, chunks_->end(),
                                     [t](const chunk::ChunkPtr& c) { return c->max_time() < t; });
    if (next == chunks_->end()) return Finish();
    if (!valid_ || next != from) {
      ci_ = static_cast<size_t>(next - chunks_->begin());
      it_ = (*next)->Iterator();
    }
    [[maybe_unused]] bool found = it_.Seek(t);  // the chunk's max time is >= t
    assert(found);
    return Settle();
  }

  bool Next() override {
    if (done_) return false;
    if (!valid_) return Seek(mint_);
    if (!it_.Next()) {
      if (++ci_ == chunks_->size()) return Finish();
      it_ = (*chunks_)[ci_]->Iterator();
      it_.Next();  // chunks are not empty
    }
    return Settle();
  }

  int64_t t() const override { return it_.t(); }
  double v() const override { return it_.v(); }

 private:
  bool Settle() {
    if (it_.t() > maxt_) return Finish();
    valid_ = true;
    return true;
  }
  bool Finish() {
    done_ = true;
    valid_ = false;
    return false;
  }

  const std::vector<chunk::ChunkPtr>* chunks_;
  int64_t mint_;
  int64_t maxt_;
  size_t ci_ = 0;  // the chunk it_ decodes, when valid_
  chunk::ChunkIterator it_;
  bool valid_ = false;  // positioned on a sample
  bool done_ = false;   // past the last sample in range
};

}  // namespace

SeriesIteratorPtr ChunkSeries::Iterator() const {
  return std::make_unique<ChunkSeriesIterator>(&chunks_, mint_, maxt_);
}

}  // namespace lm::store
