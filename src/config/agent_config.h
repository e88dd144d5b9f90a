// Typed configuration of lm-agent, loaded from TOML (config/agent.toml documents every key).
// Same error style and path rules as collector_config.h.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "protocol/limits.h"

namespace lm::config {

struct AgentCollectorConfig {
  std::string url;         // https://host:port/ingest/v1/batch
  std::string ca_file;     // PEM CA bundle that signs the collector's certificate
  std::string token_file;  // the per-host upload token: a secret file
  uint32_t timeout_ms = 10000;
  std::string compression = "zstd";  // frame compression: "zstd" or "none"
  int zstd_level = 1;                // 1..19
  // Failed uploads are retried after an exponentially growing delay with jitter: the n-th
  // consecutive failure waits a random time in [d/2, d] with d = min(retry_initial_ms *
  // 2^(n-1), retry_max_ms). A collector's Retry-After (capped at 600 s) wins when longer.
  uint32_t retry_initial_ms = 500;
  uint32_t retry_max_ms = 30000;
  // Before the first upload, ask the collector (GET /ingest/v1/limits) for its limits and
  // refuse to run when this agent's limits exceed them.
  bool check_limits = true;
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
  // Largest encoded frame the agent builds (must not exceed the collector's
  // ingest.max_frame_bytes); log lines that cannot fit become omission markers.
  uint64_t max_batch_bytes = 4ull << 20;
};

// One log file to tail ([[log_inputs]]). The name identifies the input in the tail cursor
// and in the records (target and `input` attribute); renaming an input restarts it.
struct LogInputConfig {
  std::string name;  // 1-64 bytes of [A-Za-z0-9_.-], unique among the inputs
  std::string path;  // absolute, at most 512 bytes, no '\n'; may not exist yet
  bool operator==(const LogInputConfig&) const = default;
};

struct AgentConfig {
  std::string source_path;
  std::string agent_id;  // required; must match the id the collector maps the token to
  std::string log_level = "info";
  uint32_t interval_ms = 10000;  // --daemon collection interval
  // --daemon log poll interval between collections (only with log_inputs)
  uint32_t log_interval_ms = 1000;
  // How long a log file rotated away by rename is still read for lines its writer appends
  // before reopening the path (0: not at all).
  uint32_t log_rotate_wait_ms = 5000;
  AgentCollectorConfig collector;
  AgentQueueConfig queue;
  AgentLimits limits;
  std::vector<LogInputConfig> log_inputs;  // in configured order
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
// limit (see AgentLimitViolations).
Status CheckAgentAgainstCollector(const AgentConfig& agent, const CollectorConfig& collector);

// One message per agent setting the collector's ingest `limits` would reject:
// max_log_message_bytes, max_logs_per_batch, max_alerts_per_batch above the collector's;
// max_batch_bytes above max_frame_bytes; a log input name or path (sent as log attribute
// values) longer than max_label_value_bytes. Empty when everything fits.
std::vector<std::string> AgentLimitViolations(const AgentLimits& agent,
                                              const std::vector<LogInputConfig>& inputs,
                                              const protocol::DecodeLimits& limits);
}  // namespace lm::config
