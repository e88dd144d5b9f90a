#include "collector/ingest/local_spool_acceptor.h"

#include "common/clock.h"
#include "common/sha256.h"

namespace lm::collector {

void LocalSpoolAcceptor::Accept(BatchPtr batch, std::string frame,
                                std::function<void(AcceptOutcome)> done) {
  std::string digest = Sha256Hex(frame);
  std::string known;
  switch (index_->TryClaim(batch->identity, digest, done, &known)) {
    case IdentityIndex::Claim::kDuplicate:
      done(AcceptOutcome{AcceptOutcomeKind::kDuplicate, ""});
      return;
    case IdentityIndex::Claim::kConflict:
      if (on_conflict_) on_conflict_(batch->identity, frame, digest, known);
      done(AcceptOutcome{AcceptOutcomeKind::kConflict,
                         "this batch identity was already accepted with different bytes"});
      return;
    case IdentityIndex::Claim::kWaiting:
      return;  // the waiter gets the outcome of the in-flight acceptance
    case IdentityIndex::Claim::kClaimed:
      break;
  }
  spool_->Append(NowUnixMillis(), frame, [this, batch, done](Status s) {
    if (!s.ok()) {
      AcceptOutcome failure{AcceptOutcomeKind::kUnavailable,
                            "the batch could not be made durable: " + s.message()};
      index_->Complete(batch->identity, false, failure);
      done(failure);
      return;
    }
    if (on_accepted_) on_accepted_(*batch);
    index_->Complete(batch->identity, true, {});
    done(AcceptOutcome{AcceptOutcomeKind::kAccepted, ""});
  });
}

}  // namespace lm::collector
