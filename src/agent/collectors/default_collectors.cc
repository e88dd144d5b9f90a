#include "agent/collectors/default_collectors.h"

#include "agent/collectors/heartbeat_collector.h"
#include "agent/collectors/host_metrics_collector.h"

namespace lm::agent {

std::vector<CollectorPtr> MakeDefaultCollectors(const DefaultCollectorOptions& options) {
  std::vector<CollectorPtr> out;
  out.push_back(std::make_unique<HeartbeatCollector>(options.host));
  HostMetricsOptions host_metrics;
  host_metrics.proc_root = options.proc_root;
  out.push_back(std::make_unique<HostMetricsCollector>(std::move(host_metrics)));
  return out;
}

}  // namespace lm::agent
