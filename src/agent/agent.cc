#include "agent/agent.h"

#include <algorithm>
#include <thread>
#include <utility>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "agent/batch_limits.h"
#include "agent/collectors/default_collectors.h"
#include "agent/collectors/host_identity.h"
#include "agent/upload/http_uploader.h"
#include "common/clock.h"
#include "protocol/batch_codec.h"
#include "protocol/limits.h"

namespace lm::agent {
namespace {

std::string IdentityString(const protocol::BatchIdentity& id) {
  return fmt::format("{}/{}/{}-{}", id.agent_id, id.boot_id, id.seq_start, id.seq_end);
}

}  // namespace

Result<AgentPtr> Agent::Create(const config::AgentConfig& config, const std::string& token,
                               const AgentRuntimeOptions& runtime) {
  if (config.agent_id.empty() || config.agent_id.size() > protocol::kMaxAgentIdBytes) {
    return InvalidArgument(fmt::format("agent_id must be 1-{} bytes", protocol::kMaxAgentIdBytes));
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
  options.interval_ms = config.interval_ms;
  options.host = ReadHostIdentity({runtime.proc_root, runtime.machine_id_path});
  DefaultCollectorOptions collectors;
  collectors.proc_root = runtime.proc_root;
  collectors.host = options.host;
  return std::make_unique<Agent>(std::move(options), std::move(queue), std::move(uploader),
                                 MakeDefaultCollectors(collectors));
}

Agent::Agent(AgentOptions options, DiskQueuePtr queue, UploaderPtr uploader,
             std::vector<CollectorPtr> collectors)
    : options_(std::move(options)),
      queue_(std::move(queue)),
      uploader_(std::move(uploader)),
      collectors_(std::move(collectors)) {}

Status Agent::RunOnce(const std::atomic<bool>* stop) {
  Status queued = CollectAndEnqueue();
  if (!queued.ok()) spdlog::error("scrape not queued: {}", queued.ToString());
  Status uploaded = UploadQueued(stop);
  if (!queued.ok()) return queued;
  return uploaded;
}

Status Agent::CollectAndEnqueue() {
  ScrapeContext ctx;
  ctx.now_unix_nano = NowUnixNanos();
  Scrape scrape;
  for (const CollectorPtr& collector : collectors_) {
    LM_RETURN_IF_ERROR(collector->Collect(ctx, &scrape)
                           .WithContext(fmt::format("collector {}", collector->Name())));
  }
  LimitReport report = EnforceAgentLimits(options_.limits, &scrape);
  if (report.logs_dropped > 0 || report.alerts_dropped > 0 || report.messages_truncated > 0) {
    spdlog::warn(
        "scrape exceeded agent limits: dropped {} log records and {} alerts, truncated {} "
        "log messages",
        report.logs_dropped, report.alerts_dropped, report.messages_truncated);
  }
  protocol::Batch batch;
  batch.identity = queue_->NextIdentity(options_.agent_id);
  batch.host = options_.host;
  batch.created_unix_nano = ctx.now_unix_nano;
  batch.series = std::move(scrape.series);
  batch.logs = std::move(scrape.logs);
  batch.alerts = std::move(scrape.alerts);
  std::string frame = protocol::EncodeBatchFrame(batch);
  LM_RETURN_IF_ERROR(queue_->Enqueue(frame, batch.identity));
  spdlog::debug("queued batch {} ({} bytes; {} series, {} logs)", IdentityString(batch.identity),
                frame.size(), batch.series.size(), batch.logs.size());
  return Status::Ok();
}

Status Agent::UploadQueued(const std::atomic<bool>* stop) {
  const auto now = std::chrono::steady_clock::now();
  if (upload_not_before_ && now < *upload_not_before_) {
    auto wait = std::chrono::ceil<std::chrono::seconds>(*upload_not_before_ - now);
    return Unavailable(
        fmt::format("uploads deferred for {} s more at the collector's request; "
                    "{} batches queued",
                    wait.count(), queue_->Size()));
  }
  upload_not_before_.reset();
  for (;;) {
    if (stop != nullptr && stop->load()) return Status::Ok();
    LM_ASSIGN_OR_RETURN(std::optional<QueuedBatch> next, queue_->Peek());
    if (!next) return Status::Ok();
    UploadOutcome outcome = uploader_->Upload(next->frame, next->identity);
    if (!outcome.ok()) {
      const UploadFailure& failure = outcome.error();
      if (failure.retry_after_seconds) {
        auto delay = std::min<std::chrono::seconds>(
            std::chrono::seconds(*failure.retry_after_seconds), kMaxRetryAfter);
        upload_not_before_ = std::chrono::steady_clock::now() + delay;
      }
      return failure.status.WithContext(
          fmt::format("upload of batch {} failed ({} batches stay queued)",
                      IdentityString(next->identity), queue_->Size()));
    }
    LM_RETURN_IF_ERROR(queue_->Remove(next->identity));
    spdlog::debug("batch {} {} by the collector", IdentityString(next->identity),
                  AckKindName(outcome->kind));
  }
}

Status Agent::RunDaemon(const std::atomic<bool>& stop) {
  using Clock = std::chrono::steady_clock;
  const auto interval = std::chrono::milliseconds(std::max<uint32_t>(options_.interval_ms, 1));
  spdlog::info("lm-agent daemon started: agent_id {}, boot_id {}, interval {} ms",
               options_.agent_id, queue_->boot_id(), interval.count());
  auto next_run = Clock::now();
  while (!stop.load()) {
    Status s = RunOnce(&stop);
    if (!s.ok()) spdlog::warn("run failed: {}", s.ToString());
    next_run += interval;
    if (next_run < Clock::now()) next_run = Clock::now() + interval;
    while (!stop.load()) {
      auto now = Clock::now();
      if (now >= next_run) break;
      std::this_thread::sleep_for(std::min<Clock::duration>(next_run - now, options_.stop_poll));
    }
  }
  spdlog::info("lm-agent daemon stopping; {} batches queued", queue_->Size());
  return Status::Ok();
}

}  // namespace lm::agent
