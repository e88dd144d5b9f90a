// The agent's liveness signal: the lmagent_up gauge and one heartbeat log record per scrape.
#pragma once

#include <string_view>
#include <utility>

#include "agent/collectors/collector.h"
#include "protocol/batch.h"

namespace lm::agent {

// Emits lmagent_up = 1 and a LogRecord {severity info, target "lm-agent", message
// "heartbeat", attributes agent_version, hostname, os, arch} (four attributes, the most a
// built-in record uses; empty values are left out). Always returns Ok. Not thread safe.
class HeartbeatCollector : public Collector {
 public:
  explicit HeartbeatCollector(protocol::HostIdentity host) : host_(std::move(host)) {}

  std::string_view Name() const override { return "heartbeat"; }
  Status Collect(const ScrapeContext& ctx, Scrape* out) override;

 private:
  protocol::HostIdentity host_;
};

}  // namespace lm::agent
