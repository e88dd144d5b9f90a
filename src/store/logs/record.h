// Value types shared by the log and alert stores (record_store.h): the stored record as
// queries return it, the filters and the page request. Records are ordered by RecordKey:
// record time, then the store's append position, so that every record has a unique,
// immutable place in both orders and a cursor (the last key returned) resumes exactly.
// Value types; thread compatible.
#pragma once

#include <compare>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "protocol/batch.h"
#include "store/logs/text_matcher.h"

namespace lm::store::logs {

struct RecordKey {
  int64_t time_unix_nano = 0;
  // The append position: chunk id << 16 | record number within the chunk. Unique in a store,
  // increasing in acceptance order.
  uint64_t pos = 0;
  auto operator<=>(const RecordKey&) const = default;
};

enum class Order : uint8_t { kAsc = 0, kDesc = 1 };

// A record as stored, for logs and alerts alike: `name` is a log record's target or an
// alert's name, `kvs` its attributes or labels, `state` an alert's protocol::AlertState (0 for
// logs).
struct StoredRecord {
  RecordKey key;
  std::string agent_id;
  std::string boot_id;
  uint64_t seq = 0;  // seq_start of the accepted batch that carried the record
  protocol::Severity severity = protocol::Severity::kUnspecified;
  uint8_t state = 0;
  std::string name;
  std::string message;
  std::vector<protocol::Label> kvs;
};

// Every set field must hold. Time bounds are inclusive.
struct RecordFilter {
  int64_t min_time = std::numeric_limits<int64_t>::min();
  int64_t max_time = std::numeric_limits<int64_t>::max();
  std::optional<std::string> agent_id;
  std::optional<std::string> boot_id;
  std::optional<protocol::Severity> severity;
  // Records at least this severe (kUnspecified: no bound). Unspecified records are below trace.
  protocol::Severity min_severity = protocol::Severity::kUnspecified;
  std::optional<std::string> name;
  std::optional<uint8_t> state;
  // Each key must be present with exactly this value.
  std::vector<protocol::Label> kvs;
  // Null: no text filter.
  TextMatcherPtr text;
  // Only records appended after `after_pos` and up to `until_pos` (RecordKey::pos), whatever
  // their time: what a live tail has not seen yet.
  std::optional<uint64_t> after_pos;
  std::optional<uint64_t> until_pos;
};

struct RecordQuery {
  RecordFilter filter;
  Order order = Order::kDesc;
  size_t limit = 100;
  // Resume strictly after this key in `order` (a previous page's last record).
  std::optional<RecordKey> after;
};

struct RecordPage {
  std::vector<StoredRecord> records;  // at most `limit`, in query order
  bool more = false;                  // another record matched beyond the last one
};

// Memory held by a store, from container capacities.
struct MemoryUsage {
  size_t records = 0;
  size_t message_bytes = 0;     // the messages themselves (arena sizes)
  size_t column_bytes = 0;      // per-record columns, arena slack, time order
  size_t dictionary_bytes = 0;  // per-chunk streams, batches, names and attribute sets
  size_t index_bytes = 0;       // trigram index
  size_t total() const { return message_bytes + column_bytes + dictionary_bytes + index_bytes; }
};

}  // namespace lm::store::logs
