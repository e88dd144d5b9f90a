#include "agent/collectors/queue_filesystem_collector.h"

#include <sys/statvfs.h>

#include <cerrno>

#include "common/logging.h"

#include "agent/collectors/metric_builders.h"

namespace lm::agent {

Status QueueFilesystemCollector::Collect(const ScrapeContext& ctx, Scrape* out) {
  struct statvfs fs;
  if (::statvfs(queue_dir_.c_str(), &fs) != 0) {
    lm::log::Warn("queue filesystem: {}; lmagent_queue_filesystem_* omitted",
                  ErrnoStatus("statvfs " + queue_dir_, errno).ToString());
    return Status::Ok();
  }
  // f_frsize is the unit of f_blocks and f_bavail; doubles hold any real filesystem size.
  const double unit = static_cast<double>(fs.f_frsize);
  out->series.push_back(MakeGauge("lmagent_queue_filesystem_size_bytes", {}, ctx.now_unix_nano,
                                  static_cast<double>(fs.f_blocks) * unit, "bytes",
                                  "Size of the filesystem holding the agent queue."));
  out->series.push_back(MakeGauge("lmagent_queue_filesystem_avail_bytes", {}, ctx.now_unix_nano,
                                  static_cast<double>(fs.f_bavail) * unit, "bytes",
                                  "Bytes of the queue filesystem available to the agent."));
  return Status::Ok();
}

}  // namespace lm::agent
