#include "config/agent_config.h"

#include <exception>
#include <utility>

#include <fmt/format.h>

#include "common/file_util.h"
#include "config/collector_config.h"
#include "config/file_checks.h"
#include "config/secret_file.h"
#include "config/toml_reader.h"

namespace lm::config {
namespace {

using internal::TableReader;

constexpr uint32_t kMinIntervalMs = 100;

Status ParseCollector(const TableReader& t, AgentCollectorConfig* collector) {
  LM_RETURN_IF_ERROR(t.CheckKeys({"url", "ca_file", "token_file", "timeout_ms"}));
  LM_RETURN_IF_ERROR(t.Require("url"));
  LM_RETURN_IF_ERROR(t.GetString("url", &collector->url));
  const std::string& url = collector->url;
  constexpr std::string_view kScheme = "https://";
  if (!url.starts_with(kScheme)) {
    return t.Error("url", fmt::format("must be an https:// URL (got \"{}\")", url));
  }
  std::string_view authority = std::string_view(url).substr(kScheme.size());
  authority = authority.substr(0, authority.find_first_of("/?#"));
  if (authority.find('@') != std::string_view::npos) {
    return t.Error("url", fmt::format("must not contain credentials; put the token in a file and "
                                      "set {}",
                                      t.KeyPath("token_file")));
  }
  if (authority.empty()) return t.Error("url", fmt::format("has no host (got \"{}\")", url));
  LM_RETURN_IF_ERROR(t.Require("ca_file"));
  LM_RETURN_IF_ERROR(t.GetPath("ca_file", &collector->ca_file));
  LM_RETURN_IF_ERROR(t.Require("token_file"));
  LM_RETURN_IF_ERROR(t.GetPath("token_file", &collector->token_file));
  LM_RETURN_IF_ERROR(t.GetUint32("timeout_ms", &collector->timeout_ms));
  return t.CheckAtLeast("timeout_ms", collector->timeout_ms, 1);
}

Status ParseQueue(const TableReader& t, AgentQueueConfig* queue) {
  LM_RETURN_IF_ERROR(t.CheckKeys({"dir", "max_bytes"}));
  LM_RETURN_IF_ERROR(t.GetPath("dir", &queue->dir));
  LM_RETURN_IF_ERROR(t.GetUint64("max_bytes", &queue->max_bytes));
  return t.CheckAtLeast("max_bytes", queue->max_bytes, 1);
}

Status ParseLimits(const TableReader& t, AgentLimits* limits) {
  LM_RETURN_IF_ERROR(
      t.CheckKeys({"max_log_message_bytes", "max_logs_per_batch", "max_alerts_per_batch"}));
  LM_RETURN_IF_ERROR(t.GetUint32("max_log_message_bytes", &limits->max_log_message_bytes));
  LM_RETURN_IF_ERROR(t.CheckAtLeast("max_log_message_bytes", limits->max_log_message_bytes, 1));
  // The heartbeat log record always takes one slot.
  LM_RETURN_IF_ERROR(t.GetUint32("max_logs_per_batch", &limits->max_logs_per_batch));
  LM_RETURN_IF_ERROR(t.CheckAtLeast("max_logs_per_batch", limits->max_logs_per_batch, 1));
  // 0 is allowed: for collectors that accept no alerts.
  return t.GetUint32("max_alerts_per_batch", &limits->max_alerts_per_batch);
}

Result<AgentConfig> ParseAgentConfigImpl(std::string_view toml_text,
                                         const std::string& source_path) {
  LM_ASSIGN_OR_RETURN(toml::table doc, internal::ParseToml(toml_text, source_path));
  AgentConfig config;
  config.source_path = source_path;
  TableReader root(doc, source_path);
  LM_RETURN_IF_ERROR(root.CheckKeys(
      {"agent_id", "log_level", "interval_ms", "collector", "queue", "limits", "log_inputs"}));
  if (root.Has("log_inputs")) {
    return root.Error("log_inputs",
                      "log_inputs are not supported yet (log file tailing lands in a later "
                      "release); remove the [[log_inputs]] tables");
  }
  LM_RETURN_IF_ERROR(root.Require("agent_id"));
  LM_RETURN_IF_ERROR(root.GetString("agent_id", &config.agent_id));
  if (!internal::IsValidAgentId(config.agent_id)) {
    return root.Error("agent_id",
                      fmt::format("{} (got \"{}\")", internal::kAgentIdRule, config.agent_id));
  }
  LM_RETURN_IF_ERROR(internal::GetLogLevel(root, "log_level", &config.log_level));
  LM_RETURN_IF_ERROR(root.GetUint32("interval_ms", &config.interval_ms));
  LM_RETURN_IF_ERROR(root.CheckAtLeast("interval_ms", config.interval_ms, kMinIntervalMs));

  LM_ASSIGN_OR_RETURN(TableReader collector, root.GetTable("collector"));
  LM_RETURN_IF_ERROR(ParseCollector(collector, &config.collector));
  LM_ASSIGN_OR_RETURN(TableReader queue, root.GetTable("queue"));
  LM_RETURN_IF_ERROR(ParseQueue(queue, &config.queue));
  LM_ASSIGN_OR_RETURN(TableReader limits, root.GetTable("limits"));
  LM_RETURN_IF_ERROR(ParseLimits(limits, &config.limits));
  return config;
}

}  // namespace

Result<AgentConfig> ParseAgentConfig(std::string_view toml_text, const std::string& source_path) {
  try {
    return ParseAgentConfigImpl(toml_text, source_path);
  } catch (const std::exception& e) {
    return Internal(fmt::format("{}: loading configuration failed: {}", source_path, e.what()));
  }
}

Result<AgentConfig> LoadAgentConfig(const std::string& path) {
  Result<std::string> text = ReadFile(path);
  if (!text.ok()) return text.status();
  return ParseAgentConfig(*text, path);
}

Status CheckAgentFiles(const AgentConfig& config) {
  auto context = [&](std::string_view key) {
    return fmt::format("{}: {}", config.source_path, key);
  };
  LM_RETURN_IF_ERROR(ReadSecretFile(config.collector.token_file)
                         .status()
                         .WithContext(context("collector.token_file")));
  return internal::CheckReadableFile(config.collector.ca_file)
      .WithContext(context("collector.ca_file"));
}

Status CheckAgentAgainstCollector(const AgentConfig& agent, const CollectorConfig& collector) {
  std::string problems;
  auto check = [&](std::string_view key, uint32_t agent_value, uint32_t collector_value) {
    if (agent_value <= collector_value) return;
    if (!problems.empty()) problems += "; ";
    problems += fmt::format("limits.{} = {} exceeds the collector's ingest.{} = {}", key,
                            agent_value, key, collector_value);
  };
  const protocol::DecodeLimits& ingest = collector.ingest.limits;
  check("max_log_message_bytes", agent.limits.max_log_message_bytes, ingest.max_log_message_bytes);
  check("max_logs_per_batch", agent.limits.max_logs_per_batch, ingest.max_logs_per_batch);
  check("max_alerts_per_batch", agent.limits.max_alerts_per_batch, ingest.max_alerts_per_batch);
  if (problems.empty()) return Status::Ok();
  return InvalidArgument(fmt::format("{}: agent limits exceed the ingest limits of {}: {}",
                                     agent.source_path, collector.source_path, problems));
}

}  // namespace lm::config
