// Maps per-host upload tokens to agent ids. Tokens are looked up by their SHA-256 digest,
// so lookup time does not depend on how much of a guessed token is right. Immutable after
// construction; thread safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/result.h"

namespace lm::collector {

class TokenAuthenticator {
 public:
  // `tokens` pairs (agent_id, token). InvalidArgument when a token is empty or repeated.
  static Result<TokenAuthenticator> Create(
      const std::vector<std::pair<std::string, std::string>>& tokens);

  // The agent id for an "Authorization: Bearer <token>" header value, or nullopt.
  std::optional<std::string> Authenticate(std::string_view authorization_header) const;

 private:
  std::unordered_map<std::string, std::string> agent_by_digest_;
};

}  // namespace lm::collector
