// The quarantine: frames whose identity (agent, boot, seq range) was already accepted with
// other bytes. They are never acknowledged as accepted; they are kept, with why, for an
// operator to inspect (`lm-collector quarantine list|show|resolve`, or the private admin
// endpoints) and then resolve, which deletes them after an optional export.
//
// Entries live in an object store under quarantine/v1/ (docs/object-layout.md): the
// configured one, or a filesystem store in state_dir/quarantine when none is configured.
// Each entry is two objects: <id>.frame (the bytes) and <id>.json (the metadata), with
// id = "<agent>/<boot>/<seq_start>-<seq_end>/<sha256>" (escaped segments).
//
// Thread safe (the store is).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "objectstore/object_store.h"
#include "protocol/batch.h"

namespace lm::collector {

struct QuarantineEntry {
  std::string id;
  protocol::BatchIdentity identity;
  std::string sha256;           // of the quarantined frame
  std::string accepted_sha256;  // of the frame accepted under the identity ("" if unknown)
  uint64_t frame_bytes = 0;
  int64_t received_unix_ms = 0;
  std::string collector;  // which collector quarantined it
  std::string reason;
};

class Quarantine {
 public:
  // `store` must outlive the quarantine.
  Quarantine(objectstore::ObjectStore* store, std::string collector_id)
      : store_(store), collector_id_(std::move(collector_id)) {}

  // Keeps `frame` (digest `sha256`) of `identity`. The same bytes quarantined twice are one
  // entry. Errors of the store are returned (the caller logs them: the frame is refused
  // either way).
  Status Add(const protocol::BatchIdentity& identity, std::string_view frame,
             std::string_view sha256, std::string_view accepted_sha256, std::string_view reason);

  // Up to `limit` entries, ordered by id. Entries whose metadata cannot be read are listed
  // with reason "metadata unreadable: ...".
  Result<std::vector<QuarantineEntry>> List(size_t limit);

  // One entry. NotFound for an unknown id; InvalidArgument for a malformed one.
  Result<QuarantineEntry> Get(std::string_view id);
  // The quarantined frame bytes.
  Result<std::string> Frame(std::string_view id);

  // Deletes the entry (frame and metadata). NotFound when there is none.
  Status Resolve(std::string_view id);

 private:
  Status CheckId(std::string_view id) const;

  objectstore::ObjectStore* store_;
  std::string collector_id_;
};

}  // namespace lm::collector
