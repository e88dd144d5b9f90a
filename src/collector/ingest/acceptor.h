// Acceptance: the decision that makes an ingested batch durable and acknowledged. One
// implementation per acceptance mode (local_spool now; s3_manifest later). Thread safe.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "protocol/batch.h"

namespace lm::collector {

enum class AcceptOutcomeKind {
  kAccepted,     // durable now; the first time this identity was seen
  kDuplicate,    // this identity was already accepted with the same bytes
  kConflict,     // this identity was already accepted with different bytes
  kUnavailable,  // could not be made durable now; the client should retry later
};

struct AcceptOutcome {
  AcceptOutcomeKind kind;
  std::string message;  // for kConflict and kUnavailable
};

using BatchPtr = std::shared_ptr<const protocol::Batch>;

class Acceptor {
 public:
  virtual ~Acceptor() = default;
  // Accepts `batch` (already decoded and validated), whose exact frame bytes are `frame`.
  // `done` is called exactly once, possibly on another thread, only after the outcome is
  // final: kAccepted and kDuplicate only once the batch is durable.
  virtual void Accept(BatchPtr batch, std::string frame,
                      std::function<void(AcceptOutcome)> done) = 0;
};

}  // namespace lm::collector
