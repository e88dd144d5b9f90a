#include "collector/ingest/identity_index.h"

#include <fmt/format.h>

namespace lm::collector {

std::string IdentityIndex::Key(const protocol::BatchIdentity& id) {
  // Agent and boot ids cannot contain NUL (they are validated text), so this is unambiguous.
  return fmt::format("{}{}{}{}{}:{}", id.agent_id, '\0', id.boot_id, '\0', id.seq_start,
                     id.seq_end);
}

IdentityIndex::Claim IdentityIndex::TryClaim(const protocol::BatchIdentity& id,
                                             const std::string& sha256,
                                             std::function<void(AcceptOutcome)> waiter,
                                             std::string* known_sha256) {
  std::lock_guard lock(mu_);
  auto [it, inserted] = entries_.try_emplace(Key(id));
  if (inserted) {
    it->second.sha256 = sha256;
    return Claim::kClaimed;
  }
  if (it->second.sha256 != sha256) {
    if (known_sha256 != nullptr) *known_sha256 = it->second.sha256;
    return Claim::kConflict;
  }
  if (it->second.durable) return Claim::kDuplicate;
  it->second.waiters.push_back(std::move(waiter));
  return Claim::kWaiting;
}

void IdentityIndex::Complete(const protocol::BatchIdentity& id, bool durable,
                             const AcceptOutcome& failure) {
  std::vector<std::function<void(AcceptOutcome)>> waiters;
  {
    std::lock_guard lock(mu_);
    auto it = entries_.find(Key(id));
    if (it == entries_.end()) return;
    waiters.swap(it->second.waiters);
    if (durable) {
      it->second.durable = true;
    } else {
      entries_.erase(it);
    }
  }
  for (auto& w : waiters) {
    w(durable ? AcceptOutcome{AcceptOutcomeKind::kDuplicate, ""} : failure);
  }
}

bool IdentityIndex::AddDurable(const protocol::BatchIdentity& id, const std::string& sha256) {
  std::lock_guard lock(mu_);
  auto [it, inserted] = entries_.try_emplace(Key(id));
  if (inserted) {
    it->second.sha256 = sha256;
    it->second.durable = true;
    return true;
  }
  return it->second.sha256 == sha256;
}

bool IdentityIndex::Contains(const protocol::BatchIdentity& id) const {
  std::lock_guard lock(mu_);
  return entries_.count(Key(id)) > 0;
}

size_t IdentityIndex::size() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

}  // namespace lm::collector
