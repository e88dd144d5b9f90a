// Writes one accepted batch into the object store in the order that makes acceptance safe
// for any number of collectors sharing the store (docs/object-layout.md):
//   1. the raw blob (content addressed: a second write of the same bytes is harmless);
//   2. the accepted manifest, with a conditional create: the first writer of an identity
//      wins; a later writer reads the winner's manifest and learns whether it is a
//      duplicate (same digest) or a conflict (different digest);
//   3. the derived indexes (accepted-by-time, accepted-by-blob, raw-by-time): best effort;
//      a failure is reported to the caller for logging and never reverses the acceptance
//      (reconciliation repairs it).
//
// Thread safe (stateless functions over a thread-safe ObjectStore).
#pragma once

#include <string_view>

#include "objectstore/manifest.h"
#include "objectstore/object_store.h"

namespace lm::objectstore {

enum class WriteOutcome {
  kAccepted,   // this call created the manifest
  kDuplicate,  // the identity was already accepted with the same digest
  kConflict,   // the identity was already accepted with a different digest
};

struct WriteResult {
  WriteOutcome outcome = WriteOutcome::kAccepted;
  // kDuplicate / kConflict: the manifest already in the store.
  AcceptedManifest existing;
  // Step 3's first failure (Ok when every index entry was written); only for kAccepted and
  // kDuplicate, whose indexes are (re)written.
  Status index_status;
};

// Steps 1-3 for `frame` described by `manifest` (MakeManifest of the same bytes). An error
// from steps 1-2 (Unavailable when the store cannot be reached) means nothing was decided:
// the batch is not accepted by this call and may be retried. DataLoss when an existing
// manifest cannot be read back as one.
Result<WriteResult> WriteAccepted(ObjectStore& store, std::string_view frame,
                                  const AcceptedManifest& manifest);

// Step 3 alone: writes the three derived index entries of `manifest` (empty objects).
// Returns the first failure; the other entries are still attempted.
Status WriteDerivedIndexes(ObjectStore& store, const AcceptedManifest& manifest);

}  // namespace lm::objectstore
