// The agent's release version, reported in HostIdentity.agent_version, the heartbeat log
// and the HTTP User-Agent.
#pragma once

#include <string_view>

namespace lm::agent {

inline constexpr std::string_view kAgentVersion = "0.1.0";

}  // namespace lm::agent
