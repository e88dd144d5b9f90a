// The accepted manifest: the authoritative record that a batch identity was accepted, and
// with which bytes. Stored as JSON under AcceptedManifestKey(identity), created with a
// conditional create so that the first writer wins (docs/object-layout.md).
//
// Thread safe (value type and pure functions).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"
#include "protocol/batch.h"

namespace lm::objectstore {

struct AcceptedManifest {
  protocol::BatchIdentity identity;
  std::string sha256;    // of the frame bytes, lower-case hex
  std::string blob_key;  // RawBlobKey(sha256)
  uint64_t frame_bytes = 0;
  int64_t accepted_unix_ms = 0;
  std::string collector;  // the accepting collector's id (host name unless configured)
  // What the batch holds, for query planning and reconciliation reports.
  uint64_t series = 0;
  uint64_t samples = 0;
  uint64_t logs = 0;
  uint64_t alerts = 0;
  // Earliest and latest sample/log/alert time in the batch, Unix ms (0 when it has none).
  int64_t min_time_unix_ms = 0;
  int64_t max_time_unix_ms = 0;

  bool operator==(const AcceptedManifest&) const = default;
};

// Builds the manifest of `batch`, whose frame has digest `sha256`.
AcceptedManifest MakeManifest(const protocol::Batch& batch, std::string_view sha256,
                              uint64_t frame_bytes, int64_t accepted_unix_ms,
                              std::string_view collector);

// {"format":1,...}: one line of JSON.
std::string EncodeManifest(const AcceptedManifest& m);

// DataLoss naming the problem when `text` is not a manifest this version can read
// (malformed JSON, unknown format, missing or mistyped fields, a blob key that does not
// match the digest).
Result<AcceptedManifest> DecodeManifest(std::string_view text);

}  // namespace lm::objectstore
