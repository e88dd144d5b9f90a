// The built-in collector set. New host telemetry sources are registered here; the agent
// loop only sees the Collector interface.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "agent/collectors/collector.h"
#include "protocol/batch.h"

namespace lm::agent {

// The most metric series one scrape of the default collectors emits, and the most labels
// any of them carries. Collector configs must allow at least this much
// (ingest.max_series_per_batch, ingest.max_labels_per_series; see the limitations
// registry). The budget:
//   heartbeat           lmagent_up                                             1
//   host_metrics        aggregate CPU modes                                    8
//                       per-core CPU modes, CPU IDs 0-7                   8 * 8 = 64
//                       memory 2, load 3                                       5
//                       network receive + transmit, 4 devices             2 * 4 = 8
//   queue_filesystem    size and avail                                         2
//   processes           agent CPU and RSS                                      2
//                       top processes CPU and RSS                         2 * 8 = 16
//                       processes omitted                                      1
//                                                                     total  107
inline constexpr size_t kMaxDefaultSeriesPerScrape = 107;
inline constexpr size_t kMaxDefaultLabelsPerSeries = 3;

struct DefaultCollectorOptions {
  std::string proc_root = "/proc";
  protocol::HostIdentity host;  // reported by the heartbeat
  // The agent's durable queue directory, whose filesystem is reported by the
  // queue_filesystem collector. Empty (the default) leaves that collector out.
  std::string queue_dir;
};

// Returns, in scrape order: the heartbeat (lmagent_up and the heartbeat log), host metrics
// (CPU, memory, load, network), the queue filesystem (only when options.queue_dir is set)
// and process metrics (the agent itself and the top host processes). Never fails; sources
// are checked at scrape time.
std::vector<CollectorPtr> MakeDefaultCollectors(const DefaultCollectorOptions& options);

}  // namespace lm::agent
