#include "agent/agent.h"

#include <algorithm>
#include <iterator>
#include <random>
#include <thread>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include "common/logging.h"

#include "agent/batch_limits.h"
#include "agent/collectors/default_collectors.h"
#include "agent/collectors/host_identity.h"
#include "agent/upload/http_uploader.h"
#include "common/clock.h"
#include "protocol/batch_codec.h"
#include "protocol/limits.h"

namespace lm::agent {
namespace {

using Clock = std::chrono::steady_clock;

// Room kept in every batch for the heartbeat, host metrics and record framing when sizing
// the longest log message that can still travel (longer lines become omission markers).
constexpr uint64_t kBatchReserveBytes = 48 << 10;
// A rough upper bound of the encoded size of one log record besides its message: the
// record struct, target, and attributes (input name, path, encoding marker).
constexpr uint64_t kRecordOverheadBytes = 96;

std::string IdentityString(const protocol::BatchIdentity& id) {
  return fmt::format("{}/{}/{}-{}", id.agent_id, id.boot_id, id.seq_start, id.seq_end);
}

uint64_t SplitMix64(uint64_t* state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

}  // namespace

Result<AgentPtr> Agent::Create(const config::AgentConfig& config, const std::string& token,
                               const AgentRuntimeOptions& runtime) {
  if (config.agent_id.empty() || config.agent_id.size() > protocol::kMaxAgentIdBytes) {
    return InvalidArgument(fmt::format("agent_id must be 1-{} bytes", protocol::kMaxAgentIdBytes));
  }
  std::unique_ptr<logs::LogTailer> tailer;
  if (!config.log_inputs.empty()) {
    logs::TailerOptions tail;
    tail.inputs = config.log_inputs;
    tail.rotate_wait_ms = config.log_rotate_wait_ms;
    tail.max_message_bytes = static_cast<uint32_t>(std::min<uint64_t>(
        config.limits.max_log_message_bytes, config.limits.max_batch_bytes - kBatchReserveBytes));
    tailer = std::make_unique<logs::LogTailer>(std::move(tail));
    LM_RETURN_IF_ERROR(tailer->CheckInputs().WithContext("log_inputs"));
  }
  HttpUploaderOptions upload;
  upload.url = config.collector.url;
  upload.ca_file = config.collector.ca_file;
  upload.token = token;
  upload.timeout_ms = config.collector.timeout_ms;
  LM_ASSIGN_OR_RETURN(std::unique_ptr<HttpUploader> uploader,
                      HttpUploader::Create(std::move(upload)));
  LM_ASSIGN_OR_RETURN(DiskQueuePtr queue,
                      DiskQueue::Open(config.queue.dir, config.queue.max_bytes));

  AgentOptions options;
  options.agent_id = config.agent_id;
  options.limits = config.limits;
  options.log_inputs = config.log_inputs;
  options.interval_ms = config.interval_ms;
  options.log_interval_ms = config.log_interval_ms;
  options.host = ReadHostIdentity({runtime.proc_root, runtime.machine_id_path});
  options.compression = config.collector.compression == "none" ? protocol::Compression::kNone
                                                               : protocol::Compression::kZstd;
  options.zstd_level = config.collector.zstd_level;
  options.retry_initial = std::chrono::milliseconds(config.collector.retry_initial_ms);
  options.retry_max = std::chrono::milliseconds(config.collector.retry_max_ms);
  options.check_limits = config.collector.check_limits;
  DefaultCollectorOptions collectors;
  collectors.proc_root = runtime.proc_root;
  collectors.host = options.host;
  collectors.queue_dir = config.queue.dir;
  return std::make_unique<Agent>(std::move(options), std::move(queue), std::move(uploader),
                                 MakeDefaultCollectors(collectors), std::move(tailer));
}

Agent::Agent(AgentOptions options, DiskQueuePtr queue, UploaderPtr uploader,
             std::vector<CollectorPtr> collectors, std::unique_ptr<logs::LogTailer> tailer)
    : options_(std::move(options)),
      queue_(std::move(queue)),
      uploader_(std::move(uploader)),
      collectors_(std::move(collectors)),
      tailer_(std::move(tailer)),
      rng_state_(std::random_device{}() ^ static_cast<uint64_t>(NowUnixNanos())) {}

Status Agent::RunOnce(const std::atomic<bool>* stop) {
  uploader_->SetStopFlag(stop);
  bool more = false;
  Status queued = CollectAndEnqueue(/*scrape=*/true, &more);
  if (!queued.ok()) lm::log::Error("scrape not queued: {}", queued.ToString());
  Status uploaded = UploadQueued(stop);
  if (limits_rejected_) return uploaded;
  if (!queued.ok()) return queued;
  return uploaded;
}

Status Agent::CollectAndEnqueue(bool scrape, bool* more) {
  *more = false;
  const int64_t now = NowUnixNanos();
  protocol::Batch base;
  base.host = options_.host;
  base.created_unix_nano = now;
  if (scrape) {
    ScrapeContext ctx;
    ctx.now_unix_nano = now;
    Scrape collected;
    for (const CollectorPtr& collector : collectors_) {
      LM_RETURN_IF_ERROR(collector->Collect(ctx, &collected)
                             .WithContext(fmt::format("collector {}", collector->Name())));
    }
    LimitReport report = EnforceAgentLimits(options_.limits, &collected);
    if (report.logs_dropped > 0 || report.alerts_dropped > 0 || report.messages_truncated > 0) {
      lm::log::Warn(
          "scrape exceeded agent limits: dropped {} log records and {} alerts, truncated {} "
          "log messages",
          report.logs_dropped, report.alerts_dropped, report.messages_truncated);
    }
    base.series = std::move(collected.series);
    base.logs = std::move(collected.logs);
    base.alerts = std::move(collected.alerts);
  }
  if (tailer_ == nullptr) {
    if (!scrape) return Status::Ok();
    size_t k = 0;
    return EnqueueBatch(std::move(base), nullptr, &k);
  }

  logs::TailCursor cursor;
  if (Result<logs::TailCursor> decoded = logs::TailCursor::Decode(queue_->Cursor()); decoded.ok()) {
    cursor = std::move(decoded).value();
  } else {
    lm::log::Error(
        "queue {}: saved log cursor is unreadable ({}); reading the log inputs from "
        "their start",
        queue_->dir(), decoded.error().ToString());
  }
  const uint32_t max_logs = options_.limits.max_logs_per_batch;
  // One slot of every batch belongs to the heartbeat log record.
  const size_t tail_slots = max_logs > 1 ? max_logs - 1 : 0;
  uint64_t base_bytes = 0;
  if (scrape) protocol::EncodeBatchFrame(base, protocol::Compression::kNone, 1, &base_bytes);
  for (uint32_t batches = 0;; ++batches) {
    const bool first = batches == 0;
    if (batches >= options_.max_batches_per_run) {
      *more = true;
      return Status::Ok();
    }
    const size_t slots =
        first ? std::min(tail_slots, max_logs > base.logs.size() ? max_logs - base.logs.size() : 0)
              : tail_slots;
    const uint64_t used = (first ? base_bytes : 1024) + slots * kRecordOverheadBytes;
    const uint64_t budget =
        options_.limits.max_batch_bytes > used ? options_.limits.max_batch_bytes - used : 0;
    logs::TailChunk chunk = tailer_->Read(cursor, slots, budget, now);
    for (const Status& e : chunk.errors) lm::log::Warn("log input: {}", e.ToString());
    if (chunk.records.empty() && !(first && scrape)) return Status::Ok();

    protocol::Batch batch;
    if (first) {
      batch = base;
    } else {
      batch.host = options_.host;
      batch.created_unix_nano = now;
    }
    const size_t read = chunk.records.size();
    size_t k = read;
    Status s = EnqueueBatch(std::move(batch), &chunk, &k);
    if (s.code() == StatusCode::kResourceExhausted && first && scrape && read > 0) {
      // The queue is full: keep the scrape, leave the lines where they are (their position
      // does not move), and say so with one alert when there is a slot and room for it.
      std::vector<protocol::Batch> attempts;
      if (base.alerts.size() < options_.limits.max_alerts_per_batch) {
        protocol::AlertRecord alert;
        alert.time_unix_nano = now;
        alert.name = "agent.queue_dropped";
        alert.severity = protocol::Severity::kWarn;
        alert.state = protocol::AlertState::kFiring;
        alert.message = fmt::format(
            "the agent queue is full ({} bytes queued); {} log lines were left out of this "
            "scrape and will be read again when the queue has room",
            queue_->Bytes(), read);
        attempts.push_back(base);
        attempts.back().alerts.push_back(std::move(alert));
      }
      attempts.push_back(base);
      for (protocol::Batch& attempt : attempts) {
        size_t none = 0;
        s = EnqueueBatch(std::move(attempt), &chunk, &none);
        if (s.code() != StatusCode::kResourceExhausted) break;
      }
      if (s.ok()) lm::log::Warn("queue full: {} log lines deferred", read);
      return s;
    }
    if (s.code() == StatusCode::kResourceExhausted && !first) {
      lm::log::Warn("queue full: log lines wait for room in the queue ({})", s.message());
      return Status::Ok();
    }
    LM_RETURN_IF_ERROR(s);
    cursor = chunk.CursorAfter(k);
    if (k == read && !chunk.more) return Status::Ok();
  }
}

Status Agent::EnqueueBatch(protocol::Batch batch, const logs::TailChunk* chunk, size_t* k) {
  batch.identity = queue_->NextIdentity(options_.agent_id);
  const size_t base_logs = batch.logs.size();
  if (chunk != nullptr) {
    batch.logs.insert(batch.logs.end(), chunk->records.begin(), chunk->records.begin() + *k);
  } else {
    *k = 0;
  }
  const uint64_t max_bytes = options_.limits.max_batch_bytes;
  std::string frame;
  for (;;) {
    uint64_t message_bytes = 0;
    frame = protocol::EncodeBatchFrame(batch, options_.compression, options_.zstd_level,
                                       &message_bytes);
    if (frame.size() <= max_bytes && message_bytes <= max_bytes) break;
    if (*k == 0) {
      return InvalidArgument(
          fmt::format("the scrape alone encodes to {} bytes, over limits.max_batch_bytes {}",
                      std::max<uint64_t>(frame.size(), message_bytes), max_bytes));
    }
    // Shrink by the overshoot, at least one record.
    const double ratio = static_cast<double>(max_bytes) /
                         static_cast<double>(std::max<uint64_t>(frame.size(), message_bytes));
    size_t keep = std::min(*k - 1, static_cast<size_t>(static_cast<double>(*k) * ratio * 0.95));
    *k = keep;
    batch.logs.resize(base_logs + keep);
  }
  const std::string cursor = chunk != nullptr ? chunk->CursorAfter(*k).Encode() : std::string();
  LM_RETURN_IF_ERROR(queue_->Enqueue(frame, batch.identity, cursor));
  lm::log::Debug("queued batch {} ({} bytes; {} series, {} logs)", IdentityString(batch.identity),
                 frame.size(), batch.series.size(), batch.logs.size());
  return Status::Ok();
}

Status Agent::CheckCollectorLimits() {
  if (!options_.check_limits || limits_checked_) return Status::Ok();
  Result<protocol::DecodeLimits> limits = uploader_->FetchLimits();
  if (!limits.ok()) {
    if (limits.error().code() == StatusCode::kUnavailable) {
      return limits.error().WithContext("cannot check the collector's ingest limits yet");
    }
    // The collector answered but not with limits (for example a rejected token): the
    // upload itself reports the real problem.
    lm::log::Warn("cannot check the collector's ingest limits: {}", limits.error().ToString());
    limits_checked_ = true;
    return Status::Ok();
  }
  std::vector<std::string> problems =
      config::AgentLimitViolations(options_.limits, options_.log_inputs, *limits);
  if (!problems.empty()) {
    limits_rejected_ = true;
    return FailedPrecondition(
        fmt::format("the collector would reject what this agent is configured to send: {}",
                    fmt::join(problems, "; ")));
  }
  limits_checked_ = true;
  return Status::Ok();
}

void Agent::NoteUploadFailure(std::optional<uint32_t> retry_after_seconds) {
  ++consecutive_failures_;
  auto delay = options_.retry_initial;
  for (uint32_t i = 1; i < consecutive_failures_ && delay < options_.retry_max; ++i) delay *= 2;
  delay = std::min(delay, options_.retry_max);
  // Jitter: a random point in [delay/2, delay], so agents that failed together spread out.
  const auto half = delay / 2;
  const auto span = static_cast<uint64_t>((delay - half).count()) + 1;
  auto wait = half + std::chrono::milliseconds(SplitMix64(&rng_state_) % span);
  if (retry_after_seconds) {
    auto asked = std::min<std::chrono::milliseconds>(std::chrono::seconds(*retry_after_seconds),
                                                     kMaxRetryAfter);
    wait = std::max(wait, asked);
  }
  upload_not_before_ = Clock::now() + wait;
}

Status Agent::UploadQueued(const std::atomic<bool>* stop) {
  if (limits_rejected_) return FailedPrecondition("the collector's limits were not met");
  const auto now = Clock::now();
  if (upload_not_before_ && now < *upload_not_before_) {
    auto wait = std::chrono::ceil<std::chrono::milliseconds>(*upload_not_before_ - now);
    return Unavailable(
        fmt::format("uploads deferred for {} ms more after {} failed attempts; {} batches queued",
                    wait.count(), consecutive_failures_, queue_->Size()));
  }
  upload_not_before_.reset();
  if (queue_->Size() == 0) return Status::Ok();
  if (Status s = CheckCollectorLimits(); !s.ok()) {
    if (!limits_rejected_) NoteUploadFailure(std::nullopt);
    return s;
  }
  for (;;) {
    if (stop != nullptr && stop->load()) return Status::Ok();
    LM_ASSIGN_OR_RETURN(std::optional<QueuedBatch> next, queue_->Peek());
    if (!next) return Status::Ok();
    UploadOutcome outcome = uploader_->Upload(next->frame, next->identity);
    if (!outcome.ok()) {
      if (stop != nullptr && stop->load()) return Status::Ok();  // abandoned; stays queued
      const UploadFailure& failure = outcome.error();
      NoteUploadFailure(failure.retry_after_seconds);
      return failure.status.WithContext(
          fmt::format("upload of batch {} failed ({} batches stay queued)",
                      IdentityString(next->identity), queue_->Size()));
    }
    consecutive_failures_ = 0;
    LM_RETURN_IF_ERROR(queue_->Remove(next->identity));
    lm::log::Debug("batch {} {} by the collector", IdentityString(next->identity),
                   AckKindName(outcome->kind));
  }
}

Status Agent::RunDaemon(const std::atomic<bool>& stop, const std::atomic<bool>* reload) {
  uploader_->SetStopFlag(&stop);
  const auto interval = std::chrono::milliseconds(std::max<uint32_t>(options_.interval_ms, 1));
  const auto log_interval =
      std::chrono::milliseconds(std::max<uint32_t>(options_.log_interval_ms, 1));
  lm::log::Info("lm-agent daemon started: agent_id {}, boot_id {}, interval {} ms{}",
                options_.agent_id, queue_->boot_id(), interval.count(),
                tailer_ ? fmt::format(", log poll {} ms", log_interval.count()) : "");
  auto should_return = [&] { return stop.load() || (reload != nullptr && reload->load()); };
  auto next_scrape = Clock::now();
  auto next_logs = next_scrape + log_interval;
  bool backlog = false;
  while (!should_return()) {
    auto now = Clock::now();
    bool worked = false;
    if (now >= next_scrape) {
      Status s = CollectAndEnqueue(/*scrape=*/true, &backlog);
      if (!s.ok()) lm::log::Warn("scrape not queued: {}", s.ToString());
      next_scrape += interval;
      if (next_scrape < now) next_scrape = now + interval;
      next_logs = now + log_interval;
      worked = true;
    } else if (tailer_ != nullptr && (backlog || now >= next_logs)) {
      Status s = CollectAndEnqueue(/*scrape=*/false, &backlog);
      if (!s.ok()) lm::log::Warn("log lines not queued: {}", s.ToString());
      next_logs = now + log_interval;
      worked = true;
    }
    const bool upload_due =
        queue_->Size() > 0 && (!upload_not_before_ || Clock::now() >= *upload_not_before_);
    if (worked || upload_due) {
      Status s = UploadQueued(&stop);
      if (limits_rejected_) return s;
      if (!s.ok() && !stop.load()) {
        if (s.code() == StatusCode::kUnavailable && upload_not_before_) {
          lm::log::Debug("{}", s.ToString());
        } else {
          lm::log::Warn("upload failed: {}", s.ToString());
        }
      }
    }
    if (backlog && !upload_not_before_) continue;
    // Sleep until the next scrape, log poll or upload retry, in stop_poll steps.
    auto wake = next_scrape;
    if (tailer_ != nullptr) wake = std::min(wake, next_logs);
    if (queue_->Size() > 0 && upload_not_before_) wake = std::min(wake, *upload_not_before_);
    while (!should_return()) {
      now = Clock::now();
      if (now >= wake) break;
      std::this_thread::sleep_for(std::min<Clock::duration>(wake - now, options_.stop_poll));
    }
  }
  lm::log::Info("lm-agent daemon {}; {} batches queued",
                stop.load() ? "stopping" : "reloading its configuration", queue_->Size());
  return Status::Ok();
}

}  // namespace lm::agent
