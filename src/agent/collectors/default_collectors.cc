#include "agent/collectors/default_collectors.h"

#include "agent/collectors/heartbeat_collector.h"
#include "agent/collectors/host_metrics_collector.h"
#include "agent/collectors/process_metrics_collector.h"
#include "agent/collectors/queue_filesystem_collector.h"

namespace lm::agent {

std::vector<CollectorPtr> MakeDefaultCollectors(const DefaultCollectorOptions& options) {
  std::vector<CollectorPtr> out;
  out.push_back(std::make_unique<HeartbeatCollector>(options.host));
  HostMetricsOptions host_metrics;
  host_metrics.proc_root = options.proc_root;
  out.push_back(std::make_unique<HostMetricsCollector>(std::move(host_metrics)));
  if (!options.queue_dir.empty()) {
    out.push_back(std::make_unique<QueueFilesystemCollector>(options.queue_dir));
  }
  ProcessMetricsOptions processes;
  processes.proc_root = options.proc_root;
  out.push_back(std::make_unique<ProcessMetricsCollector>(std::move(processes)));
  return out;
}

}  // namespace lm::agent
