#include "config/collector_config.h"

#include <arpa/inet.h>

#include <charconv>
#include <exception>
#include <map>
#include <utility>

#include <fmt/format.h>

#include "common/file_util.h"
#include "config/file_checks.h"
#include "config/secret_file.h"
#include "config/toml_reader.h"

namespace lm::config {
namespace {

using internal::TableReader;

constexpr std::string_view kS3CredentialsHint =
    "S3 credentials are read from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, "
    "AWS_SESSION_TOKEN)";

// "host:port" where host is an IPv4 literal, "localhost" or "[IPv6 literal]".
bool IsValidListenAddress(std::string_view text) {
  std::string host;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return false;
    }
    host = std::string(text.substr(1, close - 1));
    port = text.substr(close + 2);
    in6_addr addr6;
    if (::inet_pton(AF_INET6, host.c_str(), &addr6) != 1) return false;
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return false;
    host = std::string(text.substr(0, colon));
    port = text.substr(colon + 1);
    in_addr addr4;
    if (host != "localhost" && ::inet_pton(AF_INET, host.c_str(), &addr4) != 1) return false;
  }
  if (port.empty() || port.size() > 5) return false;
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  return ec == std::errc() && end == port.data() + port.size() && value <= 65535;
}

Status GetListen(const TableReader& t, std::string* out) {
  LM_RETURN_IF_ERROR(t.GetString("listen", out));
  if (IsValidListenAddress(*out)) return Status::Ok();
  return t.Error("listen", fmt::format("must be host:port with an IPv4 address, localhost or "
                                       "[IPv6 address] and a port 0-65535 (got \"{}\")",
                                       *out));
}

struct Uint32Limit {
  std::string_view key;
  uint32_t protocol::DecodeLimits::*field;
  uint32_t min;
};

constexpr Uint32Limit kUint32Limits[] = {
    {"max_series_per_batch", &protocol::DecodeLimits::max_series_per_batch, kMinSeriesPerBatch},
    {"max_labels_per_series", &protocol::DecodeLimits::max_labels_per_series, kMinLabelsPerSeries},
    {"max_label_key_bytes", &protocol::DecodeLimits::max_label_key_bytes, kMinLabelKeyBytes},
    {"max_label_value_bytes", &protocol::DecodeLimits::max_label_value_bytes, kMinLabelValueBytes},
    {"max_samples_per_series", &protocol::DecodeLimits::max_samples_per_series, 1},
    {"max_buckets_per_histogram", &protocol::DecodeLimits::max_buckets_per_histogram, 1},
    {"max_logs_per_batch", &protocol::DecodeLimits::max_logs_per_batch, 1},
    {"max_log_message_bytes", &protocol::DecodeLimits::max_log_message_bytes, 1},
    {"max_alerts_per_batch", &protocol::DecodeLimits::max_alerts_per_batch, 0},
};

constexpr uint64_t kMinFrameBytes = 1ull << 10;
constexpr uint64_t kMaxFrameBytes = 1ull << 30;

Status ParseLimits(const TableReader& ingest, protocol::DecodeLimits* limits) {
  LM_RETURN_IF_ERROR(ingest.GetUint64("max_frame_bytes", &limits->max_frame_bytes));
  LM_RETURN_IF_ERROR(ingest.CheckBetween("max_frame_bytes", limits->max_frame_bytes, kMinFrameBytes,
                                         kMaxFrameBytes));
  for (const Uint32Limit& l : kUint32Limits) {
    LM_RETURN_IF_ERROR(ingest.GetUint32(l.key, &(limits->*l.field)));
    LM_RETURN_IF_ERROR(ingest.CheckAtLeast(l.key, limits->*l.field, l.min));
  }
  return Status::Ok();
}

Status ParseAgents(const TableReader& ingest, std::vector<AgentToken>* agents) {
  LM_ASSIGN_OR_RETURN(std::vector<TableReader> tables, ingest.GetTableArray("agents"));
  if (tables.empty()) {
    return ingest.Error("agents",
                        "at least one [[ingest.agents]] table (id, token_file) is "
                        "required");
  }
  std::map<std::string, uint32_t> first_line_by_id;
  for (const TableReader& t : tables) {
    LM_RETURN_IF_ERROR(t.CheckKeys({"id", "token_file"}));
    AgentToken agent;
    LM_RETURN_IF_ERROR(t.Require("id"));
    LM_RETURN_IF_ERROR(t.GetString("id", &agent.agent_id));
    if (!internal::IsValidAgentId(agent.agent_id)) {
      return t.Error("id", fmt::format("{} (got \"{}\")", internal::kAgentIdRule, agent.agent_id));
    }
    auto [it, inserted] = first_line_by_id.emplace(agent.agent_id, t.LineOf("id"));
    if (!inserted) {
      return t.Error("id", fmt::format("duplicate agent id \"{}\" (first defined on line {})",
                                       agent.agent_id, it->second));
    }
    LM_RETURN_IF_ERROR(t.Require("token_file"));
    LM_RETURN_IF_ERROR(t.GetPath("token_file", &agent.token_file));
    agents->push_back(std::move(agent));
  }
  return Status::Ok();
}

Status ParseIngest(const TableReader& t, IngestConfig* ingest) {
  LM_RETURN_IF_ERROR(t.CheckKeys(
      {"listen", "tls_cert_file", "tls_key_file", "acceptance", "object_landing_interval_ms",
       "max_frame_bytes", "max_series_per_batch", "max_labels_per_series", "max_label_key_bytes",
       "max_label_value_bytes", "max_samples_per_series", "max_buckets_per_histogram",
       "max_logs_per_batch", "max_log_message_bytes", "max_alerts_per_batch", "agents"}));
  LM_RETURN_IF_ERROR(GetListen(t, &ingest->listen));
  LM_RETURN_IF_ERROR(t.Require("tls_cert_file"));
  LM_RETURN_IF_ERROR(t.GetPath("tls_cert_file", &ingest->tls.cert_file));
  LM_RETURN_IF_ERROR(t.Require("tls_key_file"));
  LM_RETURN_IF_ERROR(t.GetPath("tls_key_file", &ingest->tls.key_file));

  std::string acceptance = "local_spool";
  LM_RETURN_IF_ERROR(t.GetString("acceptance", &acceptance));
  if (acceptance == "local_spool") {
    ingest->acceptance = AcceptanceMode::kLocalSpool;
  } else if (acceptance == "s3_manifest") {
    ingest->acceptance = AcceptanceMode::kS3Manifest;
  } else {
    return t.Error("acceptance", fmt::format("must be \"local_spool\" or \"s3_manifest\" (got "
                                             "\"{}\")",
                                             acceptance));
  }
  LM_RETURN_IF_ERROR(
      t.GetUint32("object_landing_interval_ms", &ingest->object_landing_interval_ms));
  LM_RETURN_IF_ERROR(
      t.CheckAtLeast("object_landing_interval_ms", ingest->object_landing_interval_ms, 1));
  LM_RETURN_IF_ERROR(ParseLimits(t, &ingest->limits));
  return ParseAgents(t, &ingest->agents);
}

Status ParseQuery(const TableReader& t, QueryConfig* query) {
  LM_RETURN_IF_ERROR(
      t.CheckKeys({"listen", "token_file", "tls_cert_file", "tls_key_file", "lookback_delta_ms"}));
  LM_RETURN_IF_ERROR(GetListen(t, &query->listen));
  LM_RETURN_IF_ERROR(t.Require("token_file"));
  LM_RETURN_IF_ERROR(t.GetPath("token_file", &query->token_file));
  bool has_cert = t.Has("tls_cert_file");
  bool has_key = t.Has("tls_key_file");
  if (has_cert != has_key) {
    return has_cert ? t.Error("tls_key_file",
                              fmt::format("required when {} is set", t.KeyPath("tls_cert_file")))
                    : t.Error("tls_cert_file",
                              fmt::format("required when {} is set", t.KeyPath("tls_key_file")));
  }
  if (has_cert) {
    TlsFiles tls;
    LM_RETURN_IF_ERROR(t.GetPath("tls_cert_file", &tls.cert_file));
    LM_RETURN_IF_ERROR(t.GetPath("tls_key_file", &tls.key_file));
    query->tls = std::move(tls);
  }
  LM_RETURN_IF_ERROR(t.GetUint32("lookback_delta_ms", &query->lookback_delta_ms));
  return t.CheckAtLeast("lookback_delta_ms", query->lookback_delta_ms, 1);
}

Status RequireNonEmpty(const TableReader& t, std::string_view key, const std::string& value,
                       std::string_view why) {
  if (!t.Has(key)) return t.Error(key, fmt::format("required {}", why));
  if (value.empty()) return t.Error(key, "must not be empty");
  return Status::Ok();
}

Status ParseObjectStore(const TableReader& t, ObjectStoreConfig* store) {
  LM_RETURN_IF_ERROR(
      t.CheckKeys({"type", "path", "endpoint", "bucket", "prefix", "region", "path_style",
                   "timeout_ms", "reconcile_interval_ms", "startup_load_hours"},
                  kS3CredentialsHint));
  std::string type = "none";
  LM_RETURN_IF_ERROR(t.GetString("type", &type));
  LM_RETURN_IF_ERROR(t.GetPath("path", &store->path));
  LM_RETURN_IF_ERROR(t.GetString("endpoint", &store->endpoint));
  LM_RETURN_IF_ERROR(t.GetString("bucket", &store->bucket));
  LM_RETURN_IF_ERROR(t.GetString("prefix", &store->prefix));
  LM_RETURN_IF_ERROR(t.GetString("region", &store->region));
  LM_RETURN_IF_ERROR(t.GetBool("path_style", &store->path_style));
  LM_RETURN_IF_ERROR(t.GetUint32("timeout_ms", &store->timeout_ms));
  LM_RETURN_IF_ERROR(t.CheckAtLeast("timeout_ms", store->timeout_ms, 100));
  LM_RETURN_IF_ERROR(t.GetUint32("reconcile_interval_ms", &store->reconcile_interval_ms));
  if (store->reconcile_interval_ms != 0) {
    LM_RETURN_IF_ERROR(t.CheckAtLeast("reconcile_interval_ms", store->reconcile_interval_ms, 1000));
  }
  LM_RETURN_IF_ERROR(t.GetUint32("startup_load_hours", &store->startup_load_hours));
  if (type == "none") {
    store->type = ObjectStoreType::kNone;
  } else if (type == "filesystem") {
    store->type = ObjectStoreType::kFilesystem;
    if (!t.Has("path")) return t.Error("path", "required when type = \"filesystem\"");
  } else if (type == "s3") {
    store->type = ObjectStoreType::kS3;
    LM_RETURN_IF_ERROR(RequireNonEmpty(t, "endpoint", store->endpoint, "when type = \"s3\""));
    const std::string& e = store->endpoint;
    if (!e.starts_with("http://") && !e.starts_with("https://")) {
      return t.Error("endpoint",
                     fmt::format("must start with http:// or https:// (got \"{}\")", e));
    }
    std::string_view authority = std::string_view(e).substr(e.find("//") + 2);
    authority = authority.substr(0, authority.find('/'));
    if (authority.find('@') != std::string_view::npos) {
      return t.Error("endpoint",
                     fmt::format("must not contain credentials; {}", kS3CredentialsHint));
    }
    if (authority.empty()) return t.Error("endpoint", "has no host");
    LM_RETURN_IF_ERROR(RequireNonEmpty(t, "bucket", store->bucket, "when type = \"s3\""));
  } else if (type == "gcs") {
    store->type = ObjectStoreType::kGcs;
    LM_RETURN_IF_ERROR(RequireNonEmpty(t, "bucket", store->bucket, "when type = \"gcs\""));
  } else {
    return t.Error("type", fmt::format("must be \"none\", \"filesystem\", \"s3\" or \"gcs\" "
                                       "(got \"{}\")",
                                       type));
  }
  if (t.Has("region") && store->region.empty()) return t.Error("region", "must not be empty");
  return Status::Ok();
}

Result<CollectorConfig> ParseCollectorConfigImpl(std::string_view toml_text,
                                                 const std::string& source_path) {
  LM_ASSIGN_OR_RETURN(toml::table doc, internal::ParseToml(toml_text, source_path));
  CollectorConfig config;
  config.source_path = source_path;
  TableReader root(doc, source_path);
  LM_RETURN_IF_ERROR(root.CheckKeys(
      {"collector_id", "state_dir", "log_level", "ingest", "query", "object_store"}));
  LM_RETURN_IF_ERROR(root.GetString("collector_id", &config.collector_id));
  if (root.Has("collector_id") && !internal::IsValidAgentId(config.collector_id)) {
    return root.Error("collector_id", "must be 1-128 characters of [A-Za-z0-9._-]");
  }
  LM_RETURN_IF_ERROR(root.GetPath("state_dir", &config.state_dir));
  LM_RETURN_IF_ERROR(internal::GetLogLevel(root, "log_level", &config.log_level));

  LM_ASSIGN_OR_RETURN(TableReader ingest, root.GetTable("ingest"));
  LM_RETURN_IF_ERROR(ParseIngest(ingest, &config.ingest));
  LM_ASSIGN_OR_RETURN(TableReader query, root.GetTable("query"));
  LM_RETURN_IF_ERROR(ParseQuery(query, &config.query));
  LM_ASSIGN_OR_RETURN(TableReader object_store, root.GetTable("object_store"));
  LM_RETURN_IF_ERROR(ParseObjectStore(object_store, &config.object_store));

  if (config.ingest.acceptance == AcceptanceMode::kS3Manifest &&
      config.object_store.type == ObjectStoreType::kNone) {
    return ingest.Error("acceptance",
                        "\"s3_manifest\" requires an [object_store] with type other than "
                        "\"none\"");
  }
  return config;
}

}  // namespace

Result<CollectorConfig> ParseCollectorConfig(std::string_view toml_text,
                                             const std::string& source_path) {
  try {
    return ParseCollectorConfigImpl(toml_text, source_path);
  } catch (const std::exception& e) {
    return Internal(fmt::format("{}: loading configuration failed: {}", source_path, e.what()));
  }
}

Result<CollectorConfig> LoadCollectorConfig(const std::string& path) {
  Result<std::string> text = ReadFile(path);
  if (!text.ok()) return text.status();
  return ParseCollectorConfig(*text, path);
}

Status CheckCollectorFiles(const CollectorConfig& config) {
  auto context = [&](std::string_view key) {
    return fmt::format("{}: {}", config.source_path, key);
  };
  LM_RETURN_IF_ERROR(internal::CheckReadableFile(config.ingest.tls.cert_file)
                         .WithContext(context("ingest.tls_cert_file")));
  LM_RETURN_IF_ERROR(ReadSecretFile(config.ingest.tls.key_file)
                         .status()
                         .WithContext(context("ingest.tls_key_file")));
  if (config.query.tls) {
    LM_RETURN_IF_ERROR(internal::CheckReadableFile(config.query.tls->cert_file)
                           .WithContext(context("query.tls_cert_file")));
    LM_RETURN_IF_ERROR(ReadSecretFile(config.query.tls->key_file)
                           .status()
                           .WithContext(context("query.tls_key_file")));
  }
  Result<std::string> query_token = ReadSecretFile(config.query.token_file);
  if (!query_token.ok()) return query_token.status().WithContext(context("query.token_file"));

  // Token values are compared but never printed.
  std::map<std::string, std::string> owner_by_token;
  owner_by_token.emplace(*query_token, "query.token_file");
  std::map<std::string, size_t> index_by_id;
  for (size_t i = 0; i < config.ingest.agents.size(); ++i) {
    const AgentToken& agent = config.ingest.agents[i];
    std::string key = fmt::format("ingest.agents[{}]", i);
    auto [id_it, id_inserted] = index_by_id.emplace(agent.agent_id, i);
    if (!id_inserted) {
      return InvalidArgument(fmt::format("{}: duplicate agent id \"{}\" (also ingest.agents[{}])",
                                         context(key + ".id"), agent.agent_id, id_it->second));
    }
    Result<std::string> token = ReadSecretFile(agent.token_file);
    if (!token.ok()) return token.status().WithContext(context(key + ".token_file"));
    auto [it, inserted] = owner_by_token.emplace(*token, key + ".token_file");
    if (!inserted) {
      return InvalidArgument(fmt::format(
          "{}: the token in {} is the same as the one in {}; every agent needs its own token, "
          "distinct from the query token",
          context(key + ".token_file"), agent.token_file, it->second));
    }
  }
  return Status::Ok();
}

}  // namespace lm::config
