// LogStore: the query cache of accepted log records (protocol::LogRecord), searchable by
// time, batch identity, severity, target, attributes and message text (substring, case-
// insensitive substring, RE2) through a per-chunk trigram index. See record_store.h for the
// ordering and cursor guarantees and record_chunk.h for the memory layout.
// Thread safe: AppendBatch from ingest threads runs concurrently with queries.
#pragma once

#include <optional>

#include "protocol/batch.h"
#include "store/logs/record.h"
#include "store/logs/record_store.h"

namespace lm::store::logs {

class LogStore {
 public:
  explicit LogStore(RecordStoreOptions options = {}) : store_(options) {}
  LogStore(const LogStore&) = delete;
  LogStore& operator=(const LogStore&) = delete;

  // Adds the log records of an accepted batch, tagged with its identity, in batch order.
  // Call once per accepted batch (a duplicate upload that was not accepted again must not be
  // added twice).
  void AppendBatch(const protocol::Batch& batch);

  // Filters: `name` is the target, `kvs` the attributes; `state` must be unset.
  RecordPage Query(const RecordQuery& query) const { return store_.Query(query); }
  std::optional<int64_t> OldestTime() const { return store_.OldestTime(); }
  uint64_t NumRecords() const { return store_.NumRecords(); }
  std::optional<uint64_t> LastPos() const { return store_.LastPos(); }
  MemoryUsage Memory() const { return store_.Memory(); }

 private:
  RecordStore store_;
};

}  // namespace lm::store::logs
