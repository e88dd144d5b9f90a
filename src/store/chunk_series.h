// ChunkSeries: a Series (querier.h) over a snapshot of one series' compressed chunks, as
// MemStore::Select returns it. Holds its chunks through shared pointers, so the snapshot
// costs no sample copies and stays valid whatever the store does meanwhile; iterators
// decode lazily and skip whole chunks on Seek. Immutable; iterators are thread compatible.
#pragma once

#include <cstdint>
#include <vector>

#include "store/chunk/chunk.h"
#include "store/querier.h"

namespace lm::store {

class ChunkSeries : public Series {
 public:
  // `chunks`: non-null, non-empty, in time order without overlaps. Iterators yield only the
  // samples in [mint, maxt].
  ChunkSeries(Labels labels, std::vector<chunk::ChunkPtr> chunks, int64_t mint, int64_t maxt)
      : labels_(std::move(labels)), chunks_(std::move(chunks)), mint_(mint), maxt_(maxt) {}

  const Labels& labels() const override { return labels_; }
  // The iterator refers to this series, which must outlive it.
  SeriesIteratorPtr Iterator() const override;

 private:
  Labels labels_;
  std::vector<chunk::ChunkPtr> chunks_;
  int64_t mint_;
  int64_t maxt_;
};

}  // namespace lm::store
