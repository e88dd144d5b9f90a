// Typed configuration of lm-agent, loaded from TOML (config/agent.toml documents every key).
// Same error style and path rules as collector_config.h.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace lm::config {

struct AgentCollectorConfig {
  std::string url;         // https://host:port/ingest/v1/batch
  std::string ca_file;     // PEM CA bundle that signs the collector's certificate
  std::string token_file;  // the per-host upload token: a secret file
  uint32_t timeout_ms = 10000;
};

struct AgentQueueConfig {
  std::string dir = "/var/lib/lightmetrics/queue";
  uint64_t max_bytes = 64ull << 20;
};

// Must not exceed the collector's ingest limits (see CheckAgentAgainstCollector).
struct AgentLimits {
  uint32_t max_log_message_bytes = 16384;
  uint32_t max_logs_per_batch = 256;
  uint32_t max_alerts_per_batch = 1;
};

struct AgentConfig {
  std::string source_path;
  std::string agent_id;  // required; must match the id the collector maps the token to
  std::string log_level = "info";
  uint32_t interval_ms = 10000;  // --daemon collection interval
  AgentCollectorConfig collector;
  AgentQueueConfig queue;
  AgentLimits limits;
};

Result<AgentConfig> ParseAgentConfig(std::string_view toml_text, const std::string& source_path);
Result<AgentConfig> LoadAgentConfig(const std::string& path);

// Filesystem checks for `lm-agent check-config` and start-up: the token file is a private,
// non-empty regular file and the CA file is readable.
Status CheckAgentFiles(const AgentConfig& config);

}  // namespace lm::config

namespace lm::config {
struct CollectorConfig;

// InvalidArgument naming each agent limit that exceeds the collector's matching ingest
// limit (max_log_message_bytes, max_logs_per_batch, max_alerts_per_batch).
Status CheckAgentAgainstCollector(const AgentConfig& agent, const CollectorConfig& collector);
}  // namespace lm::config
