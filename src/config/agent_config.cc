#include "config/agent_config.h"

#include <algorithm>
#include <exception>
#include <functional>
#include <map>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>

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
  LM_RETURN_IF_ERROR(
      t.CheckKeys({"url", "ca_file", "token_file", "timeout_ms", "compression", "zstd_level",
                   "retry_initial_ms", "retry_max_ms", "check_limits"}));
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
  LM_RETURN_IF_ERROR(t.CheckAtLeast("timeout_ms", collector->timeout_ms, 1));
  LM_RETURN_IF_ERROR(t.GetString("compression", &collector->compression));
  if (collector->compression != "zstd" && collector->compression != "none") {
    return t.Error("compression", fmt::format("must be \"zstd\" or \"none\" (got \"{}\")",
                                              collector->compression));
  }
  uint32_t level = static_cast<uint32_t>(collector->zstd_level);
  LM_RETURN_IF_ERROR(t.GetUint32("zstd_level", &level));
  if (level < 1 || level > 19) {
    return t.Error("zstd_level", fmt::format("must be between 1 and 19 (got {})", level));
  }
  collector->zstd_level = static_cast<int>(level);
  LM_RETURN_IF_ERROR(t.GetUint32("retry_initial_ms", &collector->retry_initial_ms));
  LM_RETURN_IF_ERROR(t.CheckAtLeast("retry_initial_ms", collector->retry_initial_ms, 1));
  LM_RETURN_IF_ERROR(t.GetUint32("retry_max_ms", &collector->retry_max_ms));
  if (collector->retry_max_ms < collector->retry_initial_ms) {
    return t.Error("retry_max_ms",
                   fmt::format("must be at least retry_initial_ms ({}) (got {})",
                               collector->retry_initial_ms, collector->retry_max_ms));
  }
  return t.GetBool("check_limits", &collector->check_limits);
}

Status ParseQueue(const TableReader& t, AgentQueueConfig* queue) {
  LM_RETURN_IF_ERROR(t.CheckKeys({"dir", "max_bytes"}));
  LM_RETURN_IF_ERROR(t.GetPath("dir", &queue->dir));
  LM_RETURN_IF_ERROR(t.GetUint64("max_bytes", &queue->max_bytes));
  return t.CheckAtLeast("max_bytes", queue->max_bytes, 1);
}

Status ParseLimits(const TableReader& t, AgentLimits* limits) {
  LM_RETURN_IF_ERROR(t.CheckKeys(
      {"max_log_message_bytes", "max_logs_per_batch", "max_alerts_per_batch", "max_batch_bytes"}));
  LM_RETURN_IF_ERROR(t.GetUint64("max_batch_bytes", &limits->max_batch_bytes));
  // Room for the heartbeat and host metrics (about 20 KiB encoded) plus log lines.
  LM_RETURN_IF_ERROR(t.CheckAtLeast("max_batch_bytes", limits->max_batch_bytes, 65536));
  LM_RETURN_IF_ERROR(t.GetUint32("max_log_message_bytes", &limits->max_log_message_bytes));
  LM_RETURN_IF_ERROR(t.CheckAtLeast("max_log_message_bytes", limits->max_log_message_bytes, 1));
  // The heartbeat log record always takes one slot.
  LM_RETURN_IF_ERROR(t.GetUint32("max_logs_per_batch", &limits->max_logs_per_batch));
  LM_RETURN_IF_ERROR(t.CheckAtLeast("max_logs_per_batch", limits->max_logs_per_batch, 1));
  // 0 is allowed: for collectors that accept no alerts.
  return t.GetUint32("max_alerts_per_batch", &limits->max_alerts_per_batch);
}

// Log input names key tail positions and become record targets and attribute values;
// paths become attribute values, bounded by the collector's default max_label_value_bytes.
constexpr size_t kMaxLogInputNameBytes = 64;
constexpr size_t kMaxLogInputPathBytes = 512;

bool IsValidLogInputName(std::string_view name) {
  if (name.empty() || name.size() > kMaxLogInputNameBytes) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

Status ParseLogInput(const TableReader& t, LogInputConfig* input) {
  LM_RETURN_IF_ERROR(t.CheckKeys({"name", "path"}));
  LM_RETURN_IF_ERROR(t.Require("name"));
  LM_RETURN_IF_ERROR(t.GetString("name", &input->name));
  if (!IsValidLogInputName(input->name)) {
    return t.Error("name", fmt::format("must be 1-{} bytes of [A-Za-z0-9_.-] (got \"{}\")",
                                       kMaxLogInputNameBytes, input->name));
  }
  LM_RETURN_IF_ERROR(t.Require("path"));
  LM_RETURN_IF_ERROR(t.GetString("path", &input->path));
  const std::string& path = input->path;
  if (path.find_first_of(std::string_view("\n\0", 2)) != std::string::npos) {
    return t.Error("path", "must not contain a newline or NUL character");
  }
  if (path.size() > kMaxLogInputPathBytes) {
    return t.Error("path", fmt::format("must be at most {} bytes (got {} bytes)",
                                       kMaxLogInputPathBytes, path.size()));
  }
  if (path.empty() || path.front() != '/') {
    return t.Error("path", fmt::format("must be an absolute path (got \"{}\")", path));
  }
  if (path.back() == '/') {
    return t.Error("path", fmt::format("must name a file, not a directory (got \"{}\")", path));
  }
  return Status::Ok();
}

Status ParseLogInputs(const TableReader& root, std::vector<LogInputConfig>* inputs) {
  LM_ASSIGN_OR_RETURN(std::vector<TableReader> tables, root.GetTableArray("log_inputs"));
  // Unique names make the (name, path) cursor keys unique too.
  std::map<std::string, uint32_t, std::less<>> first_line_by_name;
  for (const TableReader& t : tables) {
    LogInputConfig input;
    LM_RETURN_IF_ERROR(ParseLogInput(t, &input));
    auto [it, inserted] = first_line_by_name.emplace(input.name, t.LineOf("name"));
    if (!inserted) {
      return t.Error("name", fmt::format("duplicate log input name \"{}\" (first defined on line "
                                         "{})",
                                         input.name, it->second));
    }
    inputs->push_back(std::move(input));
  }
  return Status::Ok();
}

Result<AgentConfig> ParseAgentConfigImpl(std::string_view toml_text,
                                         const std::string& source_path) {
  LM_ASSIGN_OR_RETURN(toml::table doc, internal::ParseToml(toml_text, source_path));
  AgentConfig config;
  config.source_path = source_path;
  TableReader root(doc, source_path);
  LM_RETURN_IF_ERROR(
      root.CheckKeys({"agent_id", "log_level", "interval_ms", "log_interval_ms",
                      "log_rotate_wait_ms", "collector", "queue", "limits", "log_inputs"}));
  LM_RETURN_IF_ERROR(root.Require("agent_id"));
  LM_RETURN_IF_ERROR(root.GetString("agent_id", &config.agent_id));
  if (!internal::IsValidAgentId(config.agent_id)) {
    return root.Error("agent_id",
                      fmt::format("{} (got \"{}\")", internal::kAgentIdRule, config.agent_id));
  }
  LM_RETURN_IF_ERROR(internal::GetLogLevel(root, "log_level", &config.log_level));
  LM_RETURN_IF_ERROR(root.GetUint32("interval_ms", &config.interval_ms));
  LM_RETURN_IF_ERROR(root.CheckAtLeast("interval_ms", config.interval_ms, kMinIntervalMs));
  LM_RETURN_IF_ERROR(root.GetUint32("log_interval_ms", &config.log_interval_ms));
  LM_RETURN_IF_ERROR(root.CheckAtLeast("log_interval_ms", config.log_interval_ms, 10));
  LM_RETURN_IF_ERROR(root.GetUint32("log_rotate_wait_ms", &config.log_rotate_wait_ms));

  LM_ASSIGN_OR_RETURN(TableReader collector, root.GetTable("collector"));
  LM_RETURN_IF_ERROR(ParseCollector(collector, &config.collector));
  LM_ASSIGN_OR_RETURN(TableReader queue, root.GetTable("queue"));
  LM_RETURN_IF_ERROR(ParseQueue(queue, &config.queue));
  LM_ASSIGN_OR_RETURN(TableReader limits, root.GetTable("limits"));
  LM_RETURN_IF_ERROR(ParseLimits(limits, &config.limits));
  LM_RETURN_IF_ERROR(ParseLogInputs(root, &config.log_inputs));
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

std::vector<std::string> AgentLimitViolations(const AgentLimits& agent,
                                              const std::vector<LogInputConfig>& inputs,
                                              const protocol::DecodeLimits& limits) {
  std::vector<std::string> problems;
  auto check = [&](std::string_view key, uint64_t agent_value, std::string_view collector_key,
                   uint64_t collector_value) {
    if (agent_value <= collector_value) return;
    problems.push_back(fmt::format("limits.{} = {} exceeds the collector's ingest.{} = {}", key,
                                   agent_value, collector_key, collector_value));
  };
  check("max_log_message_bytes", agent.max_log_message_bytes, "max_log_message_bytes",
        limits.max_log_message_bytes);
  check("max_logs_per_batch", agent.max_logs_per_batch, "max_logs_per_batch",
        limits.max_logs_per_batch);
  check("max_alerts_per_batch", agent.max_alerts_per_batch, "max_alerts_per_batch",
        limits.max_alerts_per_batch);
  check("max_batch_bytes", agent.max_batch_bytes, "max_frame_bytes", limits.max_frame_bytes);
  for (const LogInputConfig& input : inputs) {
    for (const std::string* value : {&input.name, &input.path}) {
      if (value->size() > limits.max_label_value_bytes) {
        problems.push_back(
            fmt::format("log_inputs \"{}\": {} is {} bytes, over the collector's "
                        "ingest.max_label_value_bytes = {} (it is sent as a log attribute)",
                        input.name, value == &input.name ? "name" : "path", value->size(),
                        limits.max_label_value_bytes));
      }
    }
  }
  return problems;
}

Status CheckAgentAgainstCollector(const AgentConfig& agent, const CollectorConfig& collector) {
  std::vector<std::string> problems =
      AgentLimitViolations(agent.limits, agent.log_inputs, collector.ingest.limits);
  if (problems.empty()) return Status::Ok();
  return InvalidArgument(fmt::format("{}: agent limits exceed the ingest limits of {}: {}",
                                     agent.source_path, collector.source_path,
                                     fmt::join(problems, "; ")));
}

}  // namespace lm::config
