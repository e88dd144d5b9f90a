// The set of accepted batch identities (agent_id, boot_id, seq_start, seq_end) with the
// SHA-256 of their frame bytes, for replay-safe deduplication and conflict detection. An
// identity is "pending" from the moment a request claims it until its acceptance is
// durable or failed; requests for a pending identity wait for that outcome. Thread safe.
#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "collector/ingest/acceptor.h"
#include "protocol/batch.h"

namespace lm::collector {

class IdentityIndex {
 public:
  enum class Claim { kClaimed, kDuplicate, kConflict, kWaiting };

  // Claims `id` for a new acceptance with `sha256`:
  //   kClaimed   - unknown identity; the caller must call Complete(id, ...) later;
  //   kDuplicate - already durable with the same digest;
  //   kConflict  - known (durable or pending) with a different digest, which is stored in
  //                `*known_sha256` when given;
  //   kWaiting   - pending with the same digest; `waiter` will receive the outcome.
  Claim TryClaim(const protocol::BatchIdentity& id, const std::string& sha256,
                 std::function<void(AcceptOutcome)> waiter, std::string* known_sha256 = nullptr);

  // Ends a claim. On success the identity becomes durable and waiters get kDuplicate; on
  // failure it is forgotten and waiters get `failure`.
  void Complete(const protocol::BatchIdentity& id, bool durable, const AcceptOutcome& failure);

  // Records an identity known durable (start-up replay). Returns false when it was already
  // present with a different digest (reported by the caller).
  bool AddDurable(const protocol::BatchIdentity& id, const std::string& sha256);

  // True when `id` is known (durable or pending).
  bool Contains(const protocol::BatchIdentity& id) const;

  size_t size() const;

 private:
  struct Entry {
    std::string sha256;
    bool durable = false;
    std::vector<std::function<void(AcceptOutcome)>> waiters;
  };
  static std::string Key(const protocol::BatchIdentity& id);

  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace lm::collector
