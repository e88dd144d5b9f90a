// The agent loop: collect -> batch -> durable queue -> upload in FIFO order -> delete on
// matching acknowledgement.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/collectors/collector.h"
#include "agent/queue/disk_queue.h"
#include "agent/upload/uploader.h"
#include "common/result.h"
#include "config/agent_config.h"
#include "protocol/batch.h"

namespace lm::agent {

struct AgentOptions {
  std::string agent_id;
  config::AgentLimits limits;
  uint32_t interval_ms = 10000;  // RunDaemon's scrape interval
  protocol::HostIdentity host;
  // How long RunDaemon sleeps at most before re-checking its stop flag.
  std::chrono::milliseconds stop_poll = std::chrono::milliseconds(100);
};

// Settings that are not part of the TOML config.
struct AgentRuntimeOptions {
  std::string proc_root = "/proc";
  std::string machine_id_path = "/etc/machine-id";
};

class Agent;
using AgentPtr = std::unique_ptr<Agent>;

// Not thread safe: RunOnce/RunDaemon are called from one thread. The stop flag passed to
// RunDaemon may be set from any thread or a signal handler.
class Agent {
 public:
  // Assembles the production agent from a loaded config: the queue in config.queue.dir,
  // an HttpUploader to config.collector with `token` (the content of
  // collector.token_file), and the default collectors reading `runtime.proc_root`.
  // Returns the queue's or the uploader's error (see DiskQueue::Open,
  // HttpUploader::Create) and InvalidArgument for an empty or oversized agent_id.
  static Result<AgentPtr> Create(const config::AgentConfig& config, const std::string& token,
                                 const AgentRuntimeOptions& runtime);

  // Wires given parts; used by Create and by tests.
  Agent(AgentOptions options, DiskQueuePtr queue, UploaderPtr uploader,
        std::vector<CollectorPtr> collectors);

  // One scrape: runs every collector, builds one batch (seq_start == seq_end == the
  // queue's next_seq) within the agent limits, encodes and enqueues it, then uploads the
  // queued batches oldest first, deleting each only after an acknowledgement that matches
  // its identity. Stops at the first upload failure, leaving it and later batches queued.
  // Uploads are attempted even when this scrape could not be queued, so a full queue
  // drains. Returns Ok when the batch was queued and the queue emptied (or `stop` was set
  // between uploads); otherwise the collection/enqueue error if there was one, else the
  // upload error. Upload failures are Unavailable when the collector asked to retry later
  // (uploads are then skipped until its Retry-After, at most kMaxRetryAfter, has passed).
  Status RunOnce(const std::atomic<bool>* stop = nullptr);

  // Calls RunOnce every interval_ms (failures are logged, not fatal) until `stop` becomes
  // true; returns Ok then. A run that overruns the interval delays the next one, it does
  // not cause a burst.
  Status RunDaemon(const std::atomic<bool>& stop);

  const DiskQueue& queue() const { return *queue_; }

  static constexpr std::chrono::seconds kMaxRetryAfter{600};

 private:
  Status CollectAndEnqueue();
  Status UploadQueued(const std::atomic<bool>* stop);

  AgentOptions options_;
  DiskQueuePtr queue_;
  UploaderPtr uploader_;
  std::vector<CollectorPtr> collectors_;
  std::optional<std::chrono::steady_clock::time_point> upload_not_before_;
};

}  // namespace lm::agent
