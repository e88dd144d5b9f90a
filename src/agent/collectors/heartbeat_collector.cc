#include "agent/collectors/heartbeat_collector.h"

#include "agent/collectors/metric_builders.h"

namespace lm::agent {

Status HeartbeatCollector::Collect(const ScrapeContext& ctx, Scrape* out) {
  out->series.push_back(
      MakeGauge("lmagent_up", {}, ctx.now_unix_nano, 1.0, "", "1 while the agent is running."));
  protocol::LogRecord log;
  log.time_unix_nano = ctx.now_unix_nano;
  log.severity = protocol::Severity::kInfo;
  log.target = "lm-agent";
  log.message = "heartbeat";
  const std::pair<const char*, const std::string*> attributes[] = {
      {"agent_version", &host_.agent_version},
      {"hostname", &host_.hostname},
      {"os", &host_.os},
      {"arch", &host_.arch},
  };
  for (const auto& [key, value] : attributes) {
    if (!value->empty()) log.attributes.push_back({key, *value});
  }
  out->logs.push_back(std::move(log));
  return Status::Ok();
}

}  // namespace lm::agent
