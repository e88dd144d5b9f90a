// local_spool acceptance: a batch is accepted once its frame is durable in the local spool.
// Single-collector durability, not active-active. Thread safe.
#pragma once

#include <functional>

#include "collector/ingest/acceptor.h"
#include "collector/ingest/identity_index.h"
#include "collector/spool/spool.h"

namespace lm::collector {

// Called once per accepted batch, after it is durable and before it is acknowledged (so a
// query issued after the acknowledgement sees it), and for every batch replayed at start.
using AcceptedFn = std::function<void(const protocol::Batch&)>;

// Called for a frame refused as an identity conflict: its identity, bytes, digest and the
// digest already accepted under the identity (to quarantine it). May block briefly.
using ConflictFn =
    std::function<void(const protocol::BatchIdentity&, std::string_view frame,
                       const std::string& sha256, const std::string& accepted_sha256)>;

class LocalSpoolAcceptor : public Acceptor {
 public:
  // `spool` and `index` must outlive the acceptor. `on_conflict` may be empty.
  LocalSpoolAcceptor(Spool* spool, IdentityIndex* index, AcceptedFn on_accepted,
                     ConflictFn on_conflict = nullptr)
      : spool_(spool),
        index_(index),
        on_accepted_(std::move(on_accepted)),
        on_conflict_(std::move(on_conflict)) {}

  void Accept(BatchPtr batch, std::string frame, std::function<void(AcceptOutcome)> done) override;

 private:
  Spool* spool_;
  IdentityIndex* index_;
  AcceptedFn on_accepted_;
  ConflictFn on_conflict_;
};

}  // namespace lm::collector
