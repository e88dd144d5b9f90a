// AlertStore: the query cache of accepted alert records (protocol::AlertRecord), searchable
// by time, batch identity, severity, name, state, labels and message text. Same storage,
// ordering and cursor guarantees as LogStore (record_store.h).
// Thread safe: AppendBatch from ingest threads runs concurrently with queries.
#pragma once

#include <optional>

#include "protocol/batch.h"
#include "store/logs/record.h"
#include "store/logs/record_store.h"

namespace lm::store::logs {

class AlertStore {
 public:
  explicit AlertStore(RecordStoreOptions options = {}) : store_(options) {}
  AlertStore(const AlertStore&) = delete;
  AlertStore& operator=(const AlertStore&) = delete;

  // Adds the alert records of an accepted batch, tagged with its identity, in batch order.
  void AppendBatch(const protocol::Batch& batch);

  // Filters: `name` is the alert name, `kvs` the labels, `state` a protocol::AlertState.
  RecordPage Query(const RecordQuery& query) const { return store_.Query(query); }
  std::optional<int64_t> OldestTime() const { return store_.OldestTime(); }
  uint64_t NumRecords() const { return store_.NumRecords(); }
  MemoryUsage Memory() const { return store_.Memory(); }

 private:
  RecordStore store_;
};

}  // namespace lm::store::logs
