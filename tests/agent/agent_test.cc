#include "agent/agent.h"

#include <gtest/gtest.h>

#include <deque>
#include <set>
#include <thread>

#include "agent/batch_limits.h"
#include "agent/collectors/default_collectors.h"
#include "agent/logs/tail_cursor.h"
#include "agent/upload/ingest_response.h"
#include "protocol/batch_codec.h"
#include "tests/agent/logs/log_test_files.h"
#include "tests/common/temp_dir.h"

namespace lm::agent {
namespace {

// Records every upload and answers from a script; acks when the script is empty.
class FakeUploader : public Uploader {
 public:
  struct Call {
    protocol::BatchIdentity identity;
    std::string frame;
  };

  UploadOutcome Upload(std::string_view frame, const protocol::BatchIdentity& identity) override {
    calls.push_back({identity, std::string(frame)});
    if (stop_after_calls > 0 && calls.size() >= stop_after_calls) stop->store(true);
    if (script.empty()) return UploadAck{AckKind::kAccepted};
    UploadOutcome next = script.front();
    script.pop_front();
    return next;
  }

  Result<protocol::DecodeLimits> FetchLimits() override {
    ++limit_fetches;
    return limits;
  }

  void SetStopFlag(const std::atomic<bool>* flag) override { stop_flag = flag; }

  static UploadOutcome Fail(StatusCode code, std::optional<uint32_t> retry_after = {}) {
    UploadFailure f;
    f.status = Status(code, "scripted failure");
    f.http_status = 503;
    f.retry_after_seconds = retry_after;
    return f;
  }

  std::vector<Call> calls;
  std::deque<UploadOutcome> script;
  size_t stop_after_calls = 0;
  std::atomic<bool>* stop = nullptr;
  Result<protocol::DecodeLimits> limits = protocol::DecodeLimits{};
  int limit_fetches = 0;
  const std::atomic<bool>* stop_flag = nullptr;
};

// Emits `count` log records with long messages, or fails.
class FakeLogCollector : public Collector {
 public:
  FakeLogCollector(size_t count, Status result) : count_(count), result_(std::move(result)) {}
  std::string_view Name() const override { return "fake_logs"; }
  Status Collect(const ScrapeContext& ctx, Scrape* out) override {
    for (size_t i = 0; i < count_; ++i) {
      out->logs.push_back({ctx.now_unix_nano,
                           protocol::Severity::kWarn,
                           "app",
                           "message number " + std::to_string(i),
                           {}});
    }
    return result_;
  }

 private:
  size_t count_;
  Status result_;
};

struct AgentSetup {
  uint64_t queue_bytes = 1 << 20;
  std::vector<CollectorPtr> extra;
  config::AgentLimits limits;
  std::vector<config::LogInputConfig> log_inputs;
  std::chrono::milliseconds retry_initial{0};
  std::chrono::milliseconds retry_max{0};
  bool check_limits = true;
  uint32_t max_batches_per_run = 32;
};

class AgentTest : public ::testing::Test {
 protected:
  // Builds an agent over a real queue in a temp dir, the fake uploader and the default
  // collectors reading the fixture proc root, plus setup.extra collectors and a log tailer
  // over setup.log_inputs.
  void MakeAgent(AgentSetup setup = {}) {
    agent_.reset();
    auto queue = DiskQueue::Open(tmp_.Path("queue"), setup.queue_bytes);
    ASSERT_TRUE(queue.ok()) << queue.status().ToString();
    auto uploader = std::make_unique<FakeUploader>();
    uploader_ = uploader.get();
    AgentOptions options;
    options.agent_id = "agent-a";
    options.limits = setup.limits;
    options.log_inputs = setup.log_inputs;
    options.interval_ms = 1;
    options.log_interval_ms = 1;
    options.host = {"host-a", "machine", "kernel-boot", "linux", "x86_64", "0.1.0"};
    options.stop_poll = std::chrono::milliseconds(1);
    options.retry_initial = setup.retry_initial;
    options.retry_max = setup.retry_max;
    options.check_limits = setup.check_limits;
    options.max_batches_per_run = setup.max_batches_per_run;
    DefaultCollectorOptions collector_options;
    collector_options.proc_root = std::string(LM_TEST_DATA_DIR) + "/fixtures/proc";
    collector_options.host = options.host;
    std::vector<CollectorPtr> collectors = MakeDefaultCollectors(collector_options);
    for (auto& c : setup.extra) collectors.push_back(std::move(c));
    std::unique_ptr<logs::LogTailer> tailer;
    if (!setup.log_inputs.empty()) {
      logs::TailerOptions tail;
      tail.inputs = setup.log_inputs;
      tail.max_message_bytes = setup.limits.max_log_message_bytes;
      tailer = std::make_unique<logs::LogTailer>(tail);
    }
    agent_ = std::make_unique<Agent>(std::move(options), std::move(queue).value(),
                                     std::move(uploader), std::move(collectors), std::move(tailer));
  }

  static protocol::Batch Decode(const std::string& frame) {
    auto batch = protocol::DecodeBatchFrame(frame, protocol::DecodeLimits{});
    EXPECT_TRUE(batch.ok()) << batch.error().ToString();
    return batch.ok() ? std::move(batch).value() : protocol::Batch{};
  }

  std::vector<uint64_t> UploadedSeqs() const {
    std::vector<uint64_t> out;
    for (const auto& c : uploader_->calls) out.push_back(c.identity.seq_start);
    return out;
  }

  // Messages of tailed records (target "app") of every uploaded batch, in upload order.
  std::vector<std::string> UploadedLines() const {
    std::vector<std::string> out;
    for (const auto& c : uploader_->calls) {
      for (const auto& log : Decode(c.frame).logs) {
        if (log.target == "app") out.push_back(log.message);
      }
    }
    return out;
  }

  std::string LogPath() const { return tmp_.Path("app.log"); }
  std::vector<config::LogInputConfig> AppInput() const { return {{"app", LogPath()}}; }

  static std::string Lines(int from, int to) {
    std::string out;
    for (int i = from; i < to; ++i) out += "line " + std::to_string(i) + "\n";
    return out;
  }
  static std::vector<std::string> LineMessages(int from, int to) {
    std::vector<std::string> out;
    for (int i = from; i < to; ++i) out.push_back("line " + std::to_string(i));
    return out;
  }

  TempDir tmp_;
  AgentPtr agent_;
  FakeUploader* uploader_ = nullptr;
};

TEST_F(AgentTest, RunOnceCollectsQueuesUploadsAndDeletes) {
  MakeAgent();
  ASSERT_TRUE(agent_->RunOnce().ok());
  EXPECT_EQ(agent_->queue().Size(), 0u);
  ASSERT_EQ(uploader_->calls.size(), 1u);
  const auto& call = uploader_->calls[0];
  protocol::Batch batch = Decode(call.frame);
  EXPECT_EQ(batch.identity, call.identity);
  EXPECT_EQ(batch.identity.agent_id, "agent-a");
  EXPECT_EQ(batch.identity.boot_id, agent_->queue().boot_id());
  EXPECT_EQ(batch.identity.seq_start, 1u);
  EXPECT_EQ(batch.identity.seq_end, 1u);
  EXPECT_EQ(batch.host.hostname, "host-a");
  EXPECT_GT(batch.created_unix_nano, 0);
  // lmagent_up; host: 8 + 2 cores * 8 CPU modes, 2 memory, 3 load, 3 devices * 2;
  // processes: 2 agent + 8 * 2 + 1.
  EXPECT_EQ(batch.series.size(), 1u + 35u + 19u);
  EXPECT_EQ(batch.series[0].name, "lmagent_up");
  ASSERT_EQ(batch.logs.size(), 1u);
  EXPECT_EQ(batch.logs[0].message, "heartbeat");
  EXPECT_EQ(agent_->queue().next_seq(), 2u);
  // The frame is zstd-compressed by default.
  auto header = protocol::CheckFrame(call.frame, 1 << 24);
  ASSERT_TRUE(header.ok());
  EXPECT_NE(header->flags & protocol::kFlagZstd, 0);
}

TEST_F(AgentTest, FailedUploadLeavesBatchQueuedAndLaterRunsSendFifo) {
  MakeAgent();
  uploader_->script.push_back(FakeUploader::Fail(StatusCode::kUnavailable));
  Status s = agent_->RunOnce();
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.ToString();
  EXPECT_EQ(agent_->queue().Size(), 1u);

  ASSERT_TRUE(agent_->RunOnce().ok());
  EXPECT_EQ(agent_->queue().Size(), 0u);
  EXPECT_EQ(UploadedSeqs(), (std::vector<uint64_t>{1, 1, 2}));
}

TEST_F(AgentTest, StopsAtFirstFailure) {
  MakeAgent();
  uploader_->script = {FakeUploader::Fail(StatusCode::kUnavailable),
                       FakeUploader::Fail(StatusCode::kUnavailable)};
  EXPECT_FALSE(agent_->RunOnce().ok());
  EXPECT_FALSE(agent_->RunOnce().ok());
  ASSERT_EQ(agent_->queue().Size(), 2u);
  // Third run: seq 1 acked, seq 2 refused, seq 3 (this run's) not attempted.
  uploader_->script = {UploadAck{AckKind::kDuplicate},
                       FakeUploader::Fail(StatusCode::kPermissionDenied)};
  Status s = agent_->RunOnce();
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied) << s.ToString();
  EXPECT_EQ(UploadedSeqs(), (std::vector<uint64_t>{1, 1, 1, 2}));
  EXPECT_EQ(agent_->queue().Size(), 2u);
}

TEST_F(AgentTest, QueueSurvivesRestartAndSequenceContinues) {
  MakeAgent();
  uploader_->script.push_back(FakeUploader::Fail(StatusCode::kUnavailable));
  EXPECT_FALSE(agent_->RunOnce().ok());
  std::string boot_id = agent_->queue().boot_id();
  MakeAgent();  // a new process over the same queue directory
  ASSERT_TRUE(agent_->RunOnce().ok());
  ASSERT_EQ(uploader_->calls.size(), 2u);
  EXPECT_EQ(uploader_->calls[0].identity, (protocol::BatchIdentity{"agent-a", boot_id, 1, 1}));
  EXPECT_EQ(uploader_->calls[1].identity, (protocol::BatchIdentity{"agent-a", boot_id, 2, 2}));
}

TEST_F(AgentTest, RetryAfterDefersUploadsButKeepsCollecting) {
  MakeAgent();
  uploader_->script.push_back(FakeUploader::Fail(StatusCode::kUnavailable, 3600));
  EXPECT_FALSE(agent_->RunOnce().ok());
  Status s = agent_->RunOnce();
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_NE(s.message().find("deferred"), std::string::npos) << s.ToString();
  EXPECT_EQ(uploader_->calls.size(), 1u);
  EXPECT_EQ(agent_->queue().Size(), 2u);
}

// The deferral after the n-th consecutive failure is drawn from [d/2, d], d = initial *
// 2^(n-1) capped at max. The message states the remaining delay in whole ms.
int64_t DeferredMs(const Status& s) {
  const std::string& m = s.message();
  size_t at = m.find("deferred for ");
  if (at == std::string::npos) return -1;
  return std::stoll(m.substr(at + 13));
}

TEST_F(AgentTest, ExponentialBackoffWithJitterCappedAtMax) {
  AgentSetup setup;
  setup.retry_initial = std::chrono::milliseconds(40);
  setup.retry_max = std::chrono::milliseconds(100);
  MakeAgent(std::move(setup));
  const int64_t ceiling[] = {40, 80, 100, 100};
  for (int64_t d : ceiling) {
    uploader_->script = {FakeUploader::Fail(StatusCode::kUnavailable)};
    EXPECT_EQ(agent_->RunOnce().code(), StatusCode::kUnavailable);
    Status deferred = agent_->RunOnce();
    int64_t ms = DeferredMs(deferred);
    EXPECT_LE(ms, d) << deferred.ToString();
    EXPECT_GE(ms, 0) << deferred.ToString();
    // Wait the deferral out (the next RunOnce then uploads and fails again).
    std::this_thread::sleep_for(std::chrono::milliseconds(d + 5));
  }
  // A success resets the failure count.
  ASSERT_TRUE(agent_->RunOnce().ok()) << agent_->queue().Size();
  EXPECT_EQ(agent_->queue().Size(), 0u);
}

TEST_F(AgentTest, JitterSpreadsDelays) {
  // Many agents failing together must not all wait the same time.
  std::set<int64_t> delays;
  for (int i = 0; i < 8; ++i) {
    AgentSetup setup;
    setup.retry_initial = std::chrono::milliseconds(100000);
    setup.retry_max = std::chrono::milliseconds(100000);
    MakeAgent(std::move(setup));
    uploader_->script = {FakeUploader::Fail(StatusCode::kUnavailable)};
    EXPECT_FALSE(agent_->RunOnce().ok());
    int64_t ms = DeferredMs(agent_->RunOnce());
    EXPECT_GE(ms, 50000 - 1000);
    EXPECT_LE(ms, 100000);
    delays.insert(ms / 10);
  }
  EXPECT_GT(delays.size(), 1u);
}

TEST_F(AgentTest, BatchRespectsAgentLimits) {
  AgentSetup setup;
  setup.extra.push_back(std::make_unique<FakeLogCollector>(10, Status::Ok()));
  setup.limits.max_logs_per_batch = 4;
  setup.limits.max_log_message_bytes = 9;
  MakeAgent(std::move(setup));
  ASSERT_TRUE(agent_->RunOnce().ok());
  ASSERT_EQ(uploader_->calls.size(), 1u);
  protocol::Batch batch = Decode(uploader_->calls[0].frame);
  ASSERT_EQ(batch.logs.size(), 4u);
  EXPECT_EQ(batch.logs[0].message, "heartbeat");  // the heartbeat comes first and stays
  EXPECT_EQ(batch.logs[1].message, "message n");
  EXPECT_EQ(batch.logs[3].message, "message n");
}

TEST_F(AgentTest, CollectorFailureQueuesNothingButStillUploads) {
  MakeAgent();
  uploader_->script.push_back(FakeUploader::Fail(StatusCode::kUnavailable));
  EXPECT_FALSE(agent_->RunOnce().ok());  // seq 1 stays queued
  AgentSetup setup;
  setup.extra.push_back(std::make_unique<FakeLogCollector>(0, IoError("tail failed")));
  MakeAgent(std::move(setup));
  Status s = agent_->RunOnce();
  EXPECT_EQ(s.code(), StatusCode::kIoError) << s.ToString();
  EXPECT_NE(s.message().find("fake_logs"), std::string::npos);
  EXPECT_EQ(agent_->queue().Size(), 0u);  // the queued batch was still delivered
  EXPECT_EQ(agent_->queue().next_seq(), 2u);
}

TEST_F(AgentTest, FullQueueStillDrains) {
  MakeAgent();
  uploader_->script.push_back(FakeUploader::Fail(StatusCode::kUnavailable));
  EXPECT_FALSE(agent_->RunOnce().ok());
  uint64_t one_batch = agent_->queue().Bytes();
  AgentSetup setup;
  setup.queue_bytes = one_batch + one_batch / 2;  // room for only one batch
  MakeAgent(std::move(setup));
  Status s = agent_->RunOnce();
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted) << s.ToString();
  EXPECT_EQ(agent_->queue().Size(), 0u);
  EXPECT_EQ(agent_->queue().next_seq(), 2u);  // the refused scrape used no sequence number
  ASSERT_TRUE(agent_->RunOnce().ok());
  EXPECT_EQ(UploadedSeqs(), (std::vector<uint64_t>{1, 2}));
}

TEST_F(AgentTest, TailedLinesTravelWithTheScrapeAndAreNotReadTwice) {
  logs::AppendFile(LogPath(), Lines(0, 5) + "partial");
  AgentSetup setup;
  setup.log_inputs = AppInput();
  MakeAgent(std::move(setup));
  ASSERT_TRUE(agent_->RunOnce().ok());
  ASSERT_EQ(uploader_->calls.size(), 1u);
  protocol::Batch batch = Decode(uploader_->calls[0].frame);
  EXPECT_EQ(batch.logs[0].message, "heartbeat");
  EXPECT_EQ(UploadedLines(), LineMessages(0, 5));
  const auto& rec = batch.logs[1];
  EXPECT_EQ(rec.target, "app");
  EXPECT_EQ(rec.attributes, (std::vector<protocol::Label>{{"input", "app"}, {"path", LogPath()}}));

  // A restarted agent continues after the committed position; the partial line completes.
  logs::AppendFile(LogPath(), " done\n" + Lines(5, 7));
  AgentSetup again;
  again.log_inputs = AppInput();
  MakeAgent(std::move(again));
  ASSERT_TRUE(agent_->RunOnce().ok());
  auto expected = std::vector<std::string>{"partial done", "line 5", "line 6"};
  EXPECT_EQ(UploadedLines(), expected);
}

TEST_F(AgentTest, OneRunQueuesSeveralOrderedBatchesWhenLinesExceedOne) {
  logs::AppendFile(LogPath(), Lines(0, 25));
  AgentSetup setup;
  setup.log_inputs = AppInput();
  setup.limits.max_logs_per_batch = 4;  // heartbeat + 3 lines per batch
  MakeAgent(std::move(setup));
  ASSERT_TRUE(agent_->RunOnce().ok());
  EXPECT_EQ(UploadedLines(), LineMessages(0, 25));
  // The first batch carries the scrape and 3 lines, then 22 lines in batches of 3.
  EXPECT_EQ(uploader_->calls.size(), 1u + 8u);
  EXPECT_EQ(UploadedSeqs(), (std::vector<uint64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9}));
  for (size_t i = 1; i < uploader_->calls.size(); ++i) {
    protocol::Batch b = Decode(uploader_->calls[i].frame);
    EXPECT_TRUE(b.series.empty());
    EXPECT_LE(b.logs.size(), 3u);
  }
}

TEST_F(AgentTest, MaxBatchesPerRunLeavesTheRestForTheNextRun) {
  logs::AppendFile(LogPath(), Lines(0, 20));
  AgentSetup setup;
  setup.log_inputs = AppInput();
  setup.limits.max_logs_per_batch = 3;
  setup.max_batches_per_run = 2;
  MakeAgent(std::move(setup));
  ASSERT_TRUE(agent_->RunOnce().ok());
  EXPECT_EQ(UploadedLines(), LineMessages(0, 4));
  ASSERT_TRUE(agent_->RunOnce().ok());
  EXPECT_EQ(UploadedLines(), LineMessages(0, 8));
}

TEST_F(AgentTest, LinesInAFailedUploadAreNotReadAgainButUploadedLater) {
  logs::AppendFile(LogPath(), Lines(0, 3));
  AgentSetup setup;
  setup.log_inputs = AppInput();
  MakeAgent(std::move(setup));
  uploader_->script.push_back(FakeUploader::Fail(StatusCode::kUnavailable));
  EXPECT_FALSE(agent_->RunOnce().ok());
  logs::AppendFile(LogPath(), Lines(3, 4));
  // A new process: the position comes from the queued record, not from a re-read.
  AgentSetup again;
  again.log_inputs = AppInput();
  MakeAgent(std::move(again));
  ASSERT_TRUE(agent_->RunOnce().ok());
  EXPECT_EQ(UploadedLines(), LineMessages(0, 4));
}

// Measures the encoded size of one scrape-only batch, so a queue can be sized to hold the
// scrape but not its log lines.
uint64_t ScrapeOnlyRecordBytes(TempDir& tmp) {
  auto queue = DiskQueue::Open(tmp.Path("probe-queue"), 1 << 20);
  EXPECT_TRUE(queue.ok());
  DefaultCollectorOptions options;
  options.proc_root = std::string(LM_TEST_DATA_DIR) + "/fixtures/proc";
  Scrape scrape;
  for (auto& c : MakeDefaultCollectors(options)) EXPECT_TRUE(c->Collect({1}, &scrape).ok());
  protocol::Batch batch;
  batch.identity = (*queue)->NextIdentity("agent-a");
  batch.series = scrape.series;
  batch.logs = scrape.logs;
  batch.created_unix_nano = 1;
  protocol::AlertRecord alert;
  alert.time_unix_nano = 1;
  alert.name = "agent.queue_dropped";
  alert.severity = protocol::Severity::kWarn;
  alert.state = protocol::AlertState::kFiring;
  alert.message = std::string(200, 'x');
  batch.alerts.push_back(alert);
  std::string frame = protocol::EncodeBatchFrame(batch, protocol::Compression::kZstd, 1);
  Status queued = (*queue)->Enqueue(frame, batch.identity, std::string(400, 'c'));
  EXPECT_TRUE(queued.ok()) << queued.ToString();
  return (*queue)->Bytes();
}

// `count` numbered lines of ~1000 bytes that zstd cannot shrink much.
std::string IncompressibleLines(int count) {
  std::string out;
  uint64_t x = 88172645463325252ull;
  for (int i = 0; i < count; ++i) {
    out += "line " + std::to_string(i) + " ";
    for (int j = 0; j < 1000; ++j) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      out += static_cast<char>('!' + x % 90);
    }
    out += "\n";
  }
  return out;
}

TEST_F(AgentTest, FullQueueDropsNewestLogLinesKeepsScrapeAndAlertsOnce) {
  logs::AppendFile(LogPath(), IncompressibleLines(2000));
  AgentSetup setup;
  setup.log_inputs = AppInput();
  setup.queue_bytes = ScrapeOnlyRecordBytes(tmp_) + 2048;  // the scrape fits, its lines not
  setup.limits.max_logs_per_batch = 1024;
  MakeAgent(std::move(setup));
  uploader_->script.push_back(FakeUploader::Fail(StatusCode::kUnavailable));
  EXPECT_FALSE(agent_->RunOnce().ok());
  ASSERT_EQ(uploader_->calls.size(), 1u);
  protocol::Batch batch = Decode(uploader_->calls[0].frame);
  EXPECT_EQ(batch.series.size(), 55u);  // heartbeat and host metrics kept
  ASSERT_EQ(batch.logs.size(), 1u);     // only the heartbeat log
  EXPECT_EQ(batch.logs[0].message, "heartbeat");
  ASSERT_EQ(batch.alerts.size(), 1u);
  EXPECT_EQ(batch.alerts[0].name, "agent.queue_dropped");
  EXPECT_EQ(batch.alerts[0].state, protocol::AlertState::kFiring);
  // The lines were not consumed: the committed position is still the file's start.
  auto cursor = logs::TailCursor::Decode(agent_->queue().Cursor());
  ASSERT_TRUE(cursor.ok());
  for (const auto& [key, position] : cursor->positions()) EXPECT_EQ(position.offset, 0u) << key;

  // Once there is room every line is delivered, in order, exactly once.
  AgentSetup roomy;
  roomy.log_inputs = AppInput();
  roomy.queue_bytes = 16 << 20;
  roomy.limits.max_logs_per_batch = 1024;
  MakeAgent(std::move(roomy));
  ASSERT_TRUE(agent_->RunOnce().ok());
  auto lines = UploadedLines();
  ASSERT_EQ(lines.size(), 2000u);
  for (size_t i = 0; i < lines.size(); ++i) {
    ASSERT_TRUE(lines[i].starts_with("line " + std::to_string(i) + " ")) << i;
  }
}

TEST_F(AgentTest, FullQueueWithoutAlertSlotSendsNoAlert) {
  logs::AppendFile(LogPath(), IncompressibleLines(200));
  AgentSetup setup;
  setup.log_inputs = AppInput();
  setup.queue_bytes = ScrapeOnlyRecordBytes(tmp_);
  setup.limits.max_alerts_per_batch = 0;
  setup.limits.max_logs_per_batch = 1024;
  MakeAgent(std::move(setup));
  uploader_->script.push_back(FakeUploader::Fail(StatusCode::kUnavailable));
  EXPECT_FALSE(agent_->RunOnce().ok());
  ASSERT_EQ(uploader_->calls.size(), 1u);
  protocol::Batch batch = Decode(uploader_->calls[0].frame);
  EXPECT_TRUE(batch.alerts.empty());
  EXPECT_EQ(batch.logs.size(), 1u);
}

TEST_F(AgentTest, WhenEvenTheScrapeDoesNotFitNothingMoves) {
  logs::AppendFile(LogPath(), Lines(0, 10));
  AgentSetup setup;
  setup.log_inputs = AppInput();
  setup.queue_bytes = 512;  // smaller than any scrape
  MakeAgent(std::move(setup));
  Status s = agent_->RunOnce();
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted) << s.ToString();
  EXPECT_EQ(agent_->queue().Size(), 0u);
  EXPECT_EQ(agent_->queue().Cursor(), "");  // the log position did not advance
  EXPECT_EQ(agent_->queue().next_seq(), 1u);
  // With room again every line is still there.
  AgentSetup roomy;
  roomy.log_inputs = AppInput();
  MakeAgent(std::move(roomy));
  ASSERT_TRUE(agent_->RunOnce().ok());
  EXPECT_EQ(UploadedLines(), LineMessages(0, 10));
}

TEST_F(AgentTest, CollectorLimitsBelowTheAgentsRefuseToUpload) {
  MakeAgent();
  protocol::DecodeLimits small;
  small.max_logs_per_batch = 8;
  small.max_log_message_bytes = 100;
  uploader_->limits = small;
  Status s = agent_->RunOnce();
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << s.ToString();
  EXPECT_NE(s.message().find("max_logs_per_batch"), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("max_log_message_bytes"), std::string::npos) << s.ToString();
  EXPECT_TRUE(uploader_->calls.empty());
  EXPECT_EQ(agent_->queue().Size(), 1u);  // kept for a corrected configuration
  std::atomic<bool> stop{false};
  EXPECT_EQ(agent_->RunDaemon(stop).code(), StatusCode::kFailedPrecondition);
}

TEST_F(AgentTest, UnreachableCollectorLimitsAreCheckedAgainLater) {
  MakeAgent();
  uploader_->limits = Unavailable("connection refused");
  EXPECT_EQ(agent_->RunOnce().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(uploader_->calls.empty());
  uploader_->limits = protocol::DecodeLimits{};
  ASSERT_TRUE(agent_->RunOnce().ok());
  EXPECT_EQ(uploader_->limit_fetches, 2);
  EXPECT_EQ(UploadedSeqs(), (std::vector<uint64_t>{1, 2}));
  ASSERT_TRUE(agent_->RunOnce().ok());
  EXPECT_EQ(uploader_->limit_fetches, 2);  // checked once per process
}

TEST_F(AgentTest, LimitCheckCanBeSwitchedOff) {
  AgentSetup setup;
  setup.check_limits = false;
  MakeAgent(std::move(setup));
  protocol::DecodeLimits small;
  small.max_logs_per_batch = 1;
  uploader_->limits = small;
  ASSERT_TRUE(agent_->RunOnce().ok());
  EXPECT_EQ(uploader_->limit_fetches, 0);
}

TEST_F(AgentTest, StopDuringUploadAbandonsItAndKeepsTheBatch) {
  MakeAgent();
  std::atomic<bool> stop{false};
  uploader_->stop = &stop;
  uploader_->stop_after_calls = 1;
  uploader_->script.push_back(FakeUploader::Fail(StatusCode::kUnavailable));
  EXPECT_TRUE(agent_->RunOnce(&stop).ok());
  EXPECT_EQ(uploader_->stop_flag, &stop);
  EXPECT_EQ(agent_->queue().Size(), 1u);
}

TEST_F(AgentTest, DaemonRunsUntilStopped) {
  MakeAgent();
  std::atomic<bool> stop{false};
  uploader_->stop = &stop;
  uploader_->stop_after_calls = 3;
  ASSERT_TRUE(agent_->RunDaemon(stop).ok());
  EXPECT_EQ(UploadedSeqs(), (std::vector<uint64_t>{1, 2, 3}));
  EXPECT_EQ(agent_->queue().Size(), 0u);
}

TEST_F(AgentTest, DaemonReturnsForReload) {
  MakeAgent();
  std::atomic<bool> stop{false};
  std::atomic<bool> reload{true};
  ASSERT_TRUE(agent_->RunDaemon(stop, &reload).ok());
  EXPECT_TRUE(uploader_->calls.empty());
}

TEST_F(AgentTest, DaemonReturnsAtOnceWhenAlreadyStopped) {
  MakeAgent();
  std::atomic<bool> stop{true};
  ASSERT_TRUE(agent_->RunDaemon(stop).ok());
  EXPECT_TRUE(uploader_->calls.empty());
}

TEST(BatchLimitsTest, TruncateUtf8KeepsWholeCharacters) {
  EXPECT_EQ(TruncateUtf8("abc", 5), "abc");
  EXPECT_EQ(TruncateUtf8("abcdef", 3), "abc");
  EXPECT_EQ(TruncateUtf8("a\xc3\xa9z", 2), "a");  // é is 2 bytes
  EXPECT_EQ(TruncateUtf8("a\xc3\xa9z", 3), "a\xc3\xa9");
  EXPECT_EQ(TruncateUtf8("\xe2\x82\xac\xe2\x82\xac", 4), "\xe2\x82\xac");  // €€
  EXPECT_EQ(TruncateUtf8("\xf0\x9f\x98\x80", 3), "");
  EXPECT_EQ(TruncateUtf8("abc", 0), "");
}

TEST(BatchLimitsTest, DropsNewestBeyondLimits) {
  Scrape scrape;
  for (int i = 0; i < 5; ++i) scrape.logs.push_back({1, protocol::Severity::kInfo, "t", "m", {}});
  for (int i = 0; i < 3; ++i) {
    protocol::AlertRecord alert;
    alert.time_unix_nano = 1;
    alert.name = "a" + std::to_string(i);
    scrape.alerts.push_back(alert);
  }
  config::AgentLimits limits;
  limits.max_logs_per_batch = 2;
  limits.max_alerts_per_batch = 1;
  LimitReport report = EnforceAgentLimits(limits, &scrape);
  EXPECT_EQ(report.logs_dropped, 3u);
  EXPECT_EQ(report.alerts_dropped, 2u);
  EXPECT_EQ(report.messages_truncated, 0u);
  ASSERT_EQ(scrape.alerts.size(), 1u);
  EXPECT_EQ(scrape.alerts[0].name, "a0");
}

}  // namespace
}  // namespace lm::agent
