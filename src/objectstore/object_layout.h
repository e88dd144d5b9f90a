// Where everything lives in the object store (docs/object-layout.md is the reference).
// All keys are relative to the store (the S3 store adds its configured prefix).
//
//   raw/v1/<hh>/<sha256>                         the frame bytes, content addressed
//   accepted/v1/<agent>/<boot>/<seq_start>-<seq_end>.json
//                                                the accepted manifest: the authority
//   index/v1/accepted-by-time/<yyyymmddhh>/<ms>~<agent>~<boot>~<seq_start>-<seq_end>
//   index/v1/accepted-by-blob/<sha256>/<agent>~<boot>~<seq_start>-<seq_end>
//   index/v1/raw-by-time/<yyyymmddhh>/<ms>~<sha256>
//                                                derived, repairable indexes (empty objects
//                                                whose key is the entry)
//   rollup/v1/...                                reserved for rollup chunks
//   quarantine/v1/<agent>/<boot>/<seq_start>-<seq_end>/<sha256>.frame
//                                                conflicting frames, never accepted
//
// Sequence numbers are 20 decimal digits and times 13-digit Unix milliseconds, so byte
// order is numeric order. Agent and boot ids are escaped (EscapeSegment) so that any id
// maps to one safe key segment and back.
//
// Thread safe (pure functions).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/batch.h"

namespace lm::objectstore {

inline constexpr std::string_view kRawPrefix = "raw/v1/";
inline constexpr std::string_view kAcceptedPrefix = "accepted/v1/";
inline constexpr std::string_view kAcceptedByTimePrefix = "index/v1/accepted-by-time/";
inline constexpr std::string_view kAcceptedByBlobPrefix = "index/v1/accepted-by-blob/";
inline constexpr std::string_view kRawByTimePrefix = "index/v1/raw-by-time/";
inline constexpr std::string_view kRollupPrefix = "rollup/v1/";
inline constexpr std::string_view kQuarantinePrefix = "quarantine/v1/";

// Bytes outside [A-Za-z0-9.-] (and a leading '.') become "_XX" (upper-case hex), '_' and '~'
// included, so the result never contains the separators '/' and '~' and UnescapeSegment
// inverts it (nullopt for anything EscapeSegment cannot produce).
std::string EscapeSegment(std::string_view s);
std::optional<std::string> UnescapeSegment(std::string_view s);

// "raw/v1/<first two hex digits>/<sha256 hex>".
std::string RawBlobKey(std::string_view sha256_hex);

// "accepted/v1/<agent>/<boot>/" : the manifests of one agent boot, in sequence order.
std::string AcceptedBootPrefix(std::string_view agent_id, std::string_view boot_id);
std::string AcceptedManifestKey(const protocol::BatchIdentity& id);
// The identity a manifest key names; nullopt for anything else.
std::optional<protocol::BatchIdentity> ParseAcceptedManifestKey(std::string_view key);

// "<yyyymmddhh>/" of a Unix millisecond time (UTC), the time partition of the time indexes.
std::string HourPartition(int64_t unix_ms);
std::string AcceptedByTimeKey(int64_t accepted_unix_ms, const protocol::BatchIdentity& id);
// The identity and acceptance time an accepted-by-time key names; nullopt otherwise.
struct TimeIndexEntry {
  int64_t accepted_unix_ms = 0;
  protocol::BatchIdentity identity;
};
std::optional<TimeIndexEntry> ParseAcceptedByTimeKey(std::string_view key);
std::string AcceptedByBlobKey(std::string_view sha256_hex, const protocol::BatchIdentity& id);
std::string RawByTimeKey(int64_t accepted_unix_ms, std::string_view sha256_hex);

std::string QuarantineKey(const protocol::BatchIdentity& id, std::string_view sha256_hex);

}  // namespace lm::objectstore
