// Typed configuration of lm-collector, loaded from TOML (config/server.toml documents every
// key). Loading validates everything that can be checked without side effects; errors name
// the file, the line and the key, e.g. "server.toml:12:1: ingest.max_series_per_batch: must
// be >= 107 (got 50)". Relative paths are resolved against the config file's directory.
// Secrets (tokens, private keys) are only referenced by file path.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "protocol/limits.h"

namespace lm::config {

struct TlsFiles {
  std::string cert_file;  // PEM certificate chain
  std::string key_file;   // PEM private key: a secret, must not be group/other readable
};

// Maps one upload token file to the agent id it authenticates.
struct AgentToken {
  std::string agent_id;
  std::string token_file;
};

enum class AcceptanceMode { kLocalSpool, kS3Manifest };

enum class ObjectStoreType { kNone, kFilesystem, kS3, kGcs };

struct ObjectStoreConfig {
  ObjectStoreType type = ObjectStoreType::kNone;
  std::string path;      // filesystem: the root directory
  std::string endpoint;  // s3: e.g. "http://127.0.0.1:7480"
  std::string bucket;    // s3 and gcs
  std::string prefix;    // s3 and gcs: key prefix, may be empty
  std::string region = "us-east-1";
  bool path_style = true;       // s3: path-style URLs (virtual-host style when false)
  uint32_t timeout_ms = 30000;  // s3: per request attempt
  // How often the reconciliation pass repairs derived indexes (0: only at start-up in
  // s3_manifest mode and by `lm-collector reconcile`).
  uint32_t reconcile_interval_ms = 600000;
  // At start-up, batches accepted in this many past hours that the local spool does not hold
  // are loaded into the query cache from the object store (0: none).
  uint32_t startup_load_hours = 24;
};

struct IngestConfig {
  std::string listen = "0.0.0.0:8443";  // host:port; port 0 picks an ephemeral port
  TlsFiles tls;                         // required: ingest is HTTPS only
  AcceptanceMode acceptance = AcceptanceMode::kLocalSpool;
  uint32_t object_landing_interval_ms = 5000;
  protocol::DecodeLimits limits;
  std::vector<AgentToken> agents;  // at least one
};

struct QueryConfig {
  std::string listen = "127.0.0.1:18080";
  std::optional<TlsFiles> tls;  // plain HTTP when absent
  std::string token_file;       // required: the query bearer token
  uint32_t lookback_delta_ms = 300000;
};

struct CollectorConfig {
  std::string source_path;  // the file this was loaded from
  // Names this collector in accepted manifests; the host name when not configured.
  std::string collector_id;
  std::string state_dir = "/var/lib/lightmetrics";
  std::string log_level = "info";
  IngestConfig ingest;
  QueryConfig query;
  ObjectStoreConfig object_store;

  std::string SpoolDir() const { return state_dir + "/spool"; }
  std::string QuarantineDir() const { return state_dir + "/quarantine"; }
};

// The floor below which the built-in agent's own batches would be rejected.
inline constexpr uint32_t kMinSeriesPerBatch = 107;
inline constexpr uint32_t kMinLabelsPerSeries = 4;
inline constexpr uint32_t kMinLabelKeyBytes = 14;
inline constexpr uint32_t kMinLabelValueBytes = 64;

// Parses and validates `toml_text`; `source_path` names the file in errors and anchors
// relative paths. InvalidArgument with "file:line:col: key: reason" on any violation.
Result<CollectorConfig> ParseCollectorConfig(std::string_view toml_text,
                                             const std::string& source_path);

// Reads `path` and calls ParseCollectorConfig. NotFound/IoError when it cannot be read.
Result<CollectorConfig> LoadCollectorConfig(const std::string& path);

// The checks that touch the filesystem, for `lm-collector check-config` and start-up: every
// referenced secret file exists, is a regular file, is not readable by group or others and
// is non-empty; certificate files are readable; agent ids and tokens are unique.
Status CheckCollectorFiles(const CollectorConfig& config);

}  // namespace lm::config
