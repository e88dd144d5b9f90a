// The agent loop: collect -> batch -> durable queue -> upload in FIFO order -> delete on
// matching acknowledgement.
//
// Log lines and their position. Tailed log lines go into batches together with the tail
// cursor after the last line they carry; the queue stores both in one atomic record
// (DiskQueue::Enqueue), and the next read starts from DiskQueue::Cursor(). So a line is
// never skipped: after a crash it is either in a queued record or read again (delivery is
// at least once; the collector deduplicates repeated batches).
//
// Queue full. When a scrape's batch does not fit the queue, the agent retries the same
// scrape without the tailed log lines (their position does not move: they are read again
// once the queue has room), keeping the heartbeat and host metrics and adding one
// agent.queue_dropped alert when max_alerts_per_batch > 0 and it fits; then without the
// alert; if even that does not fit, the scrape fails and nothing moves.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/collectors/collector.h"
#include "agent/logs/log_tailer.h"
#include "agent/queue/disk_queue.h"
#include "agent/upload/uploader.h"
#include "common/result.h"
#include "config/agent_config.h"
#include "protocol/batch.h"
#include "protocol/frame.h"

namespace lm::agent {

struct AgentOptions {
  std::string agent_id;
  config::AgentLimits limits;
  std::vector<config::LogInputConfig> log_inputs;  // for the collector limits check
  uint32_t interval_ms = 10000;                    // RunDaemon's scrape interval
  uint32_t log_interval_ms = 1000;                 // RunDaemon's log poll interval between scrapes
  protocol::HostIdentity host;
  protocol::Compression compression = protocol::Compression::kZstd;
  int zstd_level = 1;
  // Upload retry backoff (see config::AgentCollectorConfig).
  std::chrono::milliseconds retry_initial{500};
  std::chrono::milliseconds retry_max{30000};
  // Check the collector's limits (Uploader::FetchLimits) before the first upload.
  bool check_limits = true;
  // Most batches one scrape or log poll may queue (the rest of the lines wait).
  uint32_t max_batches_per_run = 32;
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

  // Wires given parts; used by Create and by tests. `tailer` may be null (no log inputs).
  Agent(AgentOptions options, DiskQueuePtr queue, UploaderPtr uploader,
        std::vector<CollectorPtr> collectors, std::unique_ptr<logs::LogTailer> tailer = nullptr);

  // One scrape: runs every collector, builds the first batch (seq_start == seq_end == the
  // queue's next_seq) from it plus tailed log lines within the agent limits, queues it,
  // queues further log-only batches while more complete lines are available (at most
  // max_batches_per_run in all), then uploads the queued batches oldest first, deleting
  // each only after an acknowledgement that matches its identity. Stops at the first upload
  // failure, leaving it and later batches queued, and backs off (retry_initial doubling up
  // to retry_max, with jitter; or the collector's Retry-After, at most kMaxRetryAfter):
  // uploads are skipped until then. Uploads are attempted even when this scrape could not
  // be queued, so a full queue drains. Returns Ok when everything was queued and the queue
  // emptied (or `stop` was set); otherwise the collection/enqueue error if there was one,
  // else the upload error (Unavailable while backing off). FailedPrecondition when the
  // collector's limits are below this agent's (see CheckCollectorLimits): nothing is
  // uploaded then.
  Status RunOnce(const std::atomic<bool>* stop = nullptr);

  // Scrapes every interval_ms and, between scrapes, tails the log inputs every
  // log_interval_ms (immediately again while lines are left over), uploading after each;
  // failures are logged, not fatal, except a limits mismatch, which is returned. Returns
  // Ok when `stop` becomes true, or when `*reload` (if given) becomes true: the caller then
  // rebuilds the agent from the new configuration. An in-flight upload is abandoned when
  // `stop` is set (its batch stays queued).
  Status RunDaemon(const std::atomic<bool>& stop, const std::atomic<bool>* reload = nullptr);

  // Asks the collector for its ingest limits and compares this agent's limits with them.
  // Ok when they fit (or check_limits is off, or the check already passed); Unavailable
  // when the collector cannot be reached (the check is then repeated before the first
  // upload); FailedPrecondition naming every limit that exceeds the collector's.
  Status CheckCollectorLimits();

  const DiskQueue& queue() const { return *queue_; }

  static constexpr std::chrono::seconds kMaxRetryAfter{600};

 private:
  // Runs the collectors (when `scrape`) and queues their records plus tailed log lines.
  // Sets *more when lines were left for a later run.
  Status CollectAndEnqueue(bool scrape, bool* more);
  // Encodes and queues `batch` plus chunk records [0, *k), shrinking *k while the frame is
  // over max_batch_bytes; *k is set to the number of chunk records queued.
  Status EnqueueBatch(protocol::Batch batch, const logs::TailChunk* chunk, size_t* k);
  Status UploadQueued(const std::atomic<bool>* stop);
  void NoteUploadFailure(std::optional<uint32_t> retry_after_seconds);

  AgentOptions options_;
  DiskQueuePtr queue_;
  UploaderPtr uploader_;
  std::vector<CollectorPtr> collectors_;
  std::unique_ptr<logs::LogTailer> tailer_;
  std::optional<std::chrono::steady_clock::time_point> upload_not_before_;
  uint32_t consecutive_failures_ = 0;
  bool limits_checked_ = false;
  bool limits_rejected_ = false;
  uint64_t rng_state_ = 0;
};

}  // namespace lm::agent
