#include "collector/ingest/s3_manifest_acceptor.h"

#include <fmt/format.h>

#include "common/clock.h"
#include "common/logging.h"
#include "common/sha256.h"
#include "objectstore/accepted_writer.h"
#include "objectstore/manifest.h"

namespace lm::collector {

void S3ManifestAcceptor::Accept(BatchPtr batch, std::string frame,
                                std::function<void(AcceptOutcome)> done) {
  std::string digest = Sha256Hex(frame);
  std::string known;
  switch (index_->TryClaim(batch->identity, digest, done, &known)) {
    case IdentityIndex::Claim::kDuplicate:
      done(AcceptOutcome{AcceptOutcomeKind::kDuplicate, ""});
      return;
    case IdentityIndex::Claim::kConflict:
      pool_->Post([this, batch, frame = std::move(frame), digest, known, done] {
        if (on_conflict_) on_conflict_(batch->identity, frame, digest, known);
        done(AcceptOutcome{AcceptOutcomeKind::kConflict,
                           "this batch identity was already accepted with different bytes"});
      });
      return;
    case IdentityIndex::Claim::kWaiting:
      return;
    case IdentityIndex::Claim::kClaimed:
      break;
  }
  pool_->Post([this, batch = std::move(batch), frame = std::move(frame), digest = std::move(digest),
               done = std::move(done)]() mutable {
    Write(std::move(batch), std::move(frame), std::move(digest), std::move(done));
  });
}

void S3ManifestAcceptor::Write(BatchPtr batch, std::string frame, std::string sha256,
                               std::function<void(AcceptOutcome)> done) {
  const protocol::BatchIdentity& id = batch->identity;
  const int64_t now = NowUnixMillis();
  const objectstore::AcceptedManifest manifest =
      objectstore::MakeManifest(*batch, sha256, frame.size(), now, collector_id_);
  auto written = objectstore::WriteAccepted(*store_, frame, manifest);
  if (!written.ok()) {
    AcceptOutcome failure{
        AcceptOutcomeKind::kUnavailable,
        "the object store could not record the acceptance: " + written.error().message()};
    lm::log::Warn("s3_manifest {}/{}/{}-{}: {}", id.agent_id, id.boot_id, id.seq_start, id.seq_end,
                  written.error().ToString());
    index_->Complete(id, false, failure);
    done(failure);
    return;
  }
  if (!written->index_status.ok()) {
    lm::log::Warn(
        "s3_manifest {}/{}/{}-{}: derived index not written ({}); reconciliation "
        "will repair it",
        id.agent_id, id.boot_id, id.seq_start, id.seq_end, written->index_status.ToString());
  }
  if (written->outcome == objectstore::WriteOutcome::kConflict) {
    AcceptOutcome conflict{AcceptOutcomeKind::kConflict,
                           "this batch identity was already accepted with different bytes"};
    index_->Complete(id, false, conflict);
    index_->AddDurable(id, written->existing.sha256);
    if (on_conflict_) on_conflict_(id, frame, sha256, written->existing.sha256);
    done(conflict);
    return;
  }
  // Accepted here or by another collector: either way the query cache should hold it (it is
  // idempotent), and the spool caches it for restarts.
  if (on_accepted_) on_accepted_(*batch);
  if (cache_ != nullptr) {
    const int64_t accepted_ms = written->outcome == objectstore::WriteOutcome::kAccepted
                                    ? now
                                    : written->existing.accepted_unix_ms;
    cache_->Append(accepted_ms, frame, [](Status s) {
      if (!s.ok()) lm::log::Warn("s3_manifest: local cache append failed: {}", s.ToString());
    });
  }
  index_->Complete(id, true, {});
  done(AcceptOutcome{written->outcome == objectstore::WriteOutcome::kAccepted
                         ? AcceptOutcomeKind::kAccepted
                         : AcceptOutcomeKind::kDuplicate,
                     ""});
}

}  // namespace lm::collector
