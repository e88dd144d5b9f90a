// The opaque page cursors of the log and alert query APIs.
//
// A cursor is "c1." followed by base64url (no padding) of 27 bytes: version (1), kind (1:
// 1 logs, 2 alerts), order (1: 0 asc, 1 desc), filter fingerprint (4, little endian), the
// last returned record's time_unix_nano (8, LE, two's complement) and append position (8,
// LE), and the CRC-32C of the preceding 23 bytes (4, LE). It names a position in the store's
// total order, not a snapshot, so it survives appends. Thread safe (pure functions).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"
#include "store/logs/record.h"

namespace lm::store::logs {

enum class CursorKind : uint8_t { kLogs = 1, kAlerts = 2 };

struct Cursor {
  CursorKind kind = CursorKind::kLogs;
  Order order = Order::kDesc;
  uint32_t fingerprint = 0;  // of the query's filters (FilterFingerprint)
  RecordKey key;
  bool operator==(const Cursor&) const = default;
};

std::string EncodeCursor(const Cursor& cursor);

// InvalidArgument when `text` is not a cursor this version wrote (bad prefix, encoding,
// length, version, kind or checksum).
Result<Cursor> DecodeCursor(std::string_view text);

// A fingerprint of everything in `filter` that selects records (not order, limit or cursor),
// so that a cursor can be checked against the query it is used with.
uint32_t FilterFingerprint(const RecordFilter& filter);

}  // namespace lm::store::logs
