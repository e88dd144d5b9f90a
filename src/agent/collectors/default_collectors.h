// The built-in collector set. New host telemetry sources are registered here; the agent
// loop only sees the Collector interface.
#pragma once

#include <string>
#include <vector>

#include "agent/collectors/collector.h"
#include "protocol/batch.h"

namespace lm::agent {

struct DefaultCollectorOptions {
  std::string proc_root = "/proc";
  protocol::HostIdentity host;  // reported by the heartbeat
};

// Returns, in scrape order: the heartbeat (lmagent_up and the heartbeat log) and host
// metrics (CPU, memory, load). Never fails; sources are checked at scrape time.
std::vector<CollectorPtr> MakeDefaultCollectors(const DefaultCollectorOptions& options);

}  // namespace lm::agent
