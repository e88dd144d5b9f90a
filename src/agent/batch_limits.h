// Keeps what one scrape contributes to a batch within the agent's configured limits, which
// operators set no higher than the collector's ingest limits (config/agent_config.h).
#pragma once

#include <cstddef>
#include <string>

#include "agent/collectors/collector.h"
#include "config/agent_config.h"

namespace lm::agent {

struct LimitReport {
  size_t logs_dropped = 0;        // newest log records beyond max_logs_per_batch
  size_t messages_truncated = 0;  // log messages cut to max_log_message_bytes
  size_t alerts_dropped = 0;      // newest alerts beyond max_alerts_per_batch
};

// Drops the newest log records and alerts beyond their per-batch limits (collectors append
// in scrape order, so the heartbeat, registered first, is kept) and truncates longer log
// messages to max_log_message_bytes at a UTF-8 character boundary. Thread safe.
LimitReport EnforceAgentLimits(const config::AgentLimits& limits, Scrape* scrape);

// Returns the longest prefix of `s` of at most `max_bytes` bytes that does not end inside a
// UTF-8 multi-byte sequence.
std::string TruncateUtf8(std::string s, size_t max_bytes);

}  // namespace lm::agent
