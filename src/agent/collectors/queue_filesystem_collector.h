// Free space of the filesystem that holds the agent's durable queue, so that a queue about
// to run out of disk is visible before batches are dropped.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "agent/collectors/collector.h"

namespace lm::agent {

// Emits per scrape, from statvfs(2) of `queue_dir`:
//   lmagent_queue_filesystem_size_bytes   gauge, f_blocks * f_frsize;
//   lmagent_queue_filesystem_avail_bytes  gauge, f_bavail * f_frsize (what an unprivileged
//                                         writer such as the agent can still use).
// Two series without labels. When statvfs fails (e.g. the directory does not exist) a
// warning is logged and both are omitted; Collect always returns Ok. Not thread safe.
class QueueFilesystemCollector : public Collector {
 public:
  explicit QueueFilesystemCollector(std::string queue_dir) : queue_dir_(std::move(queue_dir)) {}

  std::string_view Name() const override { return "queue_filesystem"; }
  Status Collect(const ScrapeContext& ctx, Scrape* out) override;

 private:
  std::string queue_dir_;
};

}  // namespace lm::agent
