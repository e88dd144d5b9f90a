#include "objectstore/accepted_writer.h"

#include <fmt/format.h>

#include "objectstore/object_layout.h"

namespace lm::objectstore {

Status WriteDerivedIndexes(ObjectStore& store, const AcceptedManifest& m) {
  Status first;
  for (const std::string& key :
       {AcceptedByTimeKey(m.accepted_unix_ms, m.identity), AcceptedByBlobKey(m.sha256, m.identity),
        RawByTimeKey(m.accepted_unix_ms, m.sha256)}) {
    Status s = store.Put(key, "");
    if (!s.ok() && first.ok()) first = s.WithContext(fmt::format("index entry {}", key));
  }
  return first;
}

Result<WriteResult> WriteAccepted(ObjectStore& store, std::string_view frame,
                                  const AcceptedManifest& manifest) {
  Status blob = store.Create(manifest.blob_key, frame);
  if (!blob.ok() && blob.code() != StatusCode::kAlreadyExists) {
    return blob.WithContext(fmt::format("write raw blob {}", manifest.blob_key));
  }
  const std::string key = AcceptedManifestKey(manifest.identity);
  WriteResult result;
  Status created = store.Create(key, EncodeManifest(manifest));
  if (created.ok()) {
    result.outcome = WriteOutcome::kAccepted;
    result.index_status = WriteDerivedIndexes(store, manifest);
    return result;
  }
  if (created.code() != StatusCode::kAlreadyExists) {
    return created.WithContext(fmt::format("create accepted manifest {}", key));
  }
  LM_ASSIGN_OR_RETURN(std::string text, store.Get(key));
  auto existing = DecodeManifest(text);
  if (!existing.ok()) return existing.error().WithContext(key);
  if (existing->identity != manifest.identity) {
    return DataLoss(fmt::format("accepted manifest {} names another identity", key));
  }
  result.existing = std::move(existing).value();
  if (result.existing.sha256 == manifest.sha256) {
    result.outcome = WriteOutcome::kDuplicate;
    // The first writer may have crashed before its indexes: write them again (idempotent).
    result.index_status = WriteDerivedIndexes(store, result.existing);
  } else {
    result.outcome = WriteOutcome::kConflict;
  }
  return result;
}

}  // namespace lm::objectstore
