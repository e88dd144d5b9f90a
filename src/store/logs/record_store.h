// RecordStore: the query cache's store of timestamped text records (log records, alert
// records), in chunks of up to 65536 records in acceptance order (record_chunk.h). A cache,
// never the source of truth: the collector fills it from accepted batches (and from the spool
// at start-up). Records are immutable; each has a unique RecordKey (time, append position).
//
// Queries return one page in time order (ascending or descending, ties by append position)
// strictly after an optional cursor key, so that paging is exact: every record present when
// a page was read and ranked after it is returned by a later page exactly once, whatever is
// appended in between (a record appended later is returned only if it ranks after the
// cursor).
//
// Thread safe: appends are serialised among themselves and run concurrently with queries.
#pragma once

#include <atomic>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <vector>

#include "protocol/batch.h"
#include "store/logs/record.h"
#include "store/logs/record_chunk.h"

namespace lm::store::logs {

struct RecordStoreOptions {
  // Records per chunk, 1..kChunkCapacity. Smaller chunks only serve tests.
  uint32_t chunk_records = kChunkCapacity;
};

class RecordStore {
 public:
  explicit RecordStore(RecordStoreOptions options = {}) : options_(options) {}
  RecordStore(const RecordStore&) = delete;
  RecordStore& operator=(const RecordStore&) = delete;

  // Appends the records of one accepted batch, in order.
  void Append(const protocol::BatchIdentity& batch, const RecordInput* records, size_t n);

  // One page of the records matching `query.filter`, in `query.order`, after `query.after`.
  RecordPage Query(const RecordQuery& query) const;

  // The earliest and latest record time held; nullopt when the store is empty.
  std::optional<int64_t> OldestTime() const;
  std::optional<int64_t> NewestTime() const;
  uint64_t NumRecords() const { return num_records_.load(std::memory_order_acquire); }
  // The position (RecordKey::pos) of the last record appended; nullopt when empty. Every
  // record up to it is visible to queries.
  std::optional<uint64_t> LastPos() const;
  MemoryUsage Memory() const;

 private:
  std::vector<std::shared_ptr<const RecordChunk>> Snapshot() const;

  const RecordStoreOptions options_;
  std::mutex append_mu_;
  std::shared_ptr<RecordChunk> active_;  // guarded by append_mu_
  uint64_t next_chunk_id_ = 0;           // guarded by append_mu_
  // The last sealed chunk's index builder, emptied: reusing its memory spares page faults.
  std::unique_ptr<TrigramIndexBuilder> spare_builder_;  // guarded by append_mu_

  mutable std::shared_mutex chunks_mu_;
  std::vector<std::shared_ptr<const RecordChunk>> chunks_;  // guarded by chunks_mu_

  std::atomic<uint64_t> num_records_{0};
  std::atomic<int64_t> last_pos_{-1};
  std::atomic<int64_t> oldest_{std::numeric_limits<int64_t>::max()};
  std::atomic<int64_t> newest_{std::numeric_limits<int64_t>::min()};
};

}  // namespace lm::store::logs
