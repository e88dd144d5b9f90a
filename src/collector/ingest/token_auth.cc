#include "collector/ingest/token_auth.h"

#include <fmt/format.h>

#include "common/sha256.h"

namespace lm::collector {

Result<TokenAuthenticator> TokenAuthenticator::Create(
    const std::vector<std::pair<std::string, std::string>>& tokens) {
  TokenAuthenticator auth;
  for (const auto& [agent, token] : tokens) {
    if (token.empty()) return InvalidArgument(fmt::format("agent {} has an empty token", agent));
    if (!auth.agent_by_digest_.emplace(Sha256Hex(token), agent).second) {
      return InvalidArgument(fmt::format("agent {} shares its token with another agent", agent));
    }
  }
  return auth;
}

std::optional<std::string> TokenAuthenticator::Authenticate(std::string_view header) const {
  constexpr std::string_view kPrefix = "Bearer ";
  if (header.size() <= kPrefix.size() || header.substr(0, kPrefix.size()) != kPrefix) {
    return std::nullopt;
  }
  auto it = agent_by_digest_.find(Sha256Hex(header.substr(kPrefix.size())));
  if (it == agent_by_digest_.end()) return std::nullopt;
  return it->second;
}

}  // namespace lm::collector
