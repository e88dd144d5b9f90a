// s3_manifest acceptance: a batch is accepted once its accepted manifest is created in the
// object store (objectstore::WriteAccepted: blob first, manifest second with a conditional
// create). Several collectors may share one bucket and prefix: the first manifest wins and
// the others answer duplicate (same bytes) or conflict (other bytes, quarantined). When the
// store cannot be reached the answer is Unavailable (503 with Retry-After): nothing is
// accepted locally.
//
// The object-store work runs on `pool`, never on the network threads. The local identity
// index short-cuts identities this collector already knows. After acceptance the frame is
// also appended to the local spool as a cache for restarts (not awaited: a frame missing
// there is loaded from the object store at start-up).
//
// Thread safe.
#pragma once

#include <string>

#include "collector/ingest/acceptor.h"
#include "collector/ingest/identity_index.h"
#include "collector/ingest/local_spool_acceptor.h"
#include "collector/spool/spool.h"
#include "common/thread_pool.h"
#include "objectstore/object_store.h"

namespace lm::collector {

class S3ManifestAcceptor : public Acceptor {
 public:
  // Everything given must outlive the acceptor; `cache` may be null.
  S3ManifestAcceptor(objectstore::ObjectStore* store, IdentityIndex* index, ThreadPool* pool,
                     Spool* cache, std::string collector_id, AcceptedFn on_accepted,
                     ConflictFn on_conflict)
      : store_(store),
        index_(index),
        pool_(pool),
        cache_(cache),
        collector_id_(std::move(collector_id)),
        on_accepted_(std::move(on_accepted)),
        on_conflict_(std::move(on_conflict)) {}

  void Accept(BatchPtr batch, std::string frame, std::function<void(AcceptOutcome)> done) override;

 private:
  void Write(BatchPtr batch, std::string frame, std::string sha256,
             std::function<void(AcceptOutcome)> done);

  objectstore::ObjectStore* store_;
  IdentityIndex* index_;
  ThreadPool* pool_;
  Spool* cache_;
  std::string collector_id_;
  AcceptedFn on_accepted_;
  ConflictFn on_conflict_;
};

}  // namespace lm::collector
