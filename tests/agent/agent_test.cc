#include "agent/agent.h"

#include <gtest/gtest.h>

#include <deque>

#include "agent/batch_limits.h"
#include "agent/collectors/default_collectors.h"
#include "agent/upload/ingest_response.h"
#include "protocol/batch_codec.h"
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

class AgentTest : public ::testing::Test {
 protected:
  // Builds an agent over a real queue in a temp dir, the fake uploader and the default
  // collectors reading the fixture proc root, plus `extra` collectors.
  void MakeAgent(uint64_t max_bytes = 1 << 20, std::vector<CollectorPtr> extra = {},
                 config::AgentLimits limits = {}) {
    agent_.reset();
    auto queue = DiskQueue::Open(tmp_.Path("queue"), max_bytes);
    ASSERT_TRUE(queue.ok()) << queue.status().ToString();
    auto uploader = std::make_unique<FakeUploader>();
    uploader_ = uploader.get();
    AgentOptions options;
    options.agent_id = "agent-a";
    options.limits = limits;
    options.interval_ms = 1;
    options.host = {"host-a", "machine", "kernel-boot", "linux", "x86_64", "0.1.0"};
    options.stop_poll = std::chrono::milliseconds(1);
    DefaultCollectorOptions collector_options;
    collector_options.proc_root = std::string(LM_TEST_DATA_DIR) + "/fixtures/proc";
    collector_options.host = options.host;
    std::vector<CollectorPtr> collectors = MakeDefaultCollectors(collector_options);
    for (auto& c : extra) collectors.push_back(std::move(c));
    agent_ = std::make_unique<Agent>(std::move(options), std::move(queue).value(),
                                     std::move(uploader), std::move(collectors));
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
  // lmagent_up + 8 CPU modes + 2 memory + 3 load.
  EXPECT_EQ(batch.series.size(), 14u);
  EXPECT_EQ(batch.series[0].name, "lmagent_up");
  ASSERT_EQ(batch.logs.size(), 1u);
  EXPECT_EQ(batch.logs[0].message, "heartbeat");
  EXPECT_EQ(agent_->queue().next_seq(), 2u);
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

TEST_F(AgentTest, BatchRespectsAgentLimits) {
  std::vector<CollectorPtr> extra;
  extra.push_back(std::make_unique<FakeLogCollector>(10, Status::Ok()));
  config::AgentLimits limits;
  limits.max_logs_per_batch = 4;
  limits.max_log_message_bytes = 9;
  MakeAgent(1 << 20, std::move(extra), limits);
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
  std::vector<CollectorPtr> extra;
  extra.push_back(std::make_unique<FakeLogCollector>(0, IoError("tail failed")));
  MakeAgent(1 << 20, std::move(extra));
  Status s = agent_->RunOnce();
  EXPECT_EQ(s.code(), StatusCode::kIoError) << s.ToString();
  EXPECT_NE(s.message().find("fake_logs"), std::string::npos);
  EXPECT_EQ(agent_->queue().Size(), 0u);  // the queued batch was still delivered
  EXPECT_EQ(agent_->queue().next_seq(), 2u);
}

TEST_F(AgentTest, FullQueueStillDrains) {
  MakeAgent(1 << 20);
  uploader_->script.push_back(FakeUploader::Fail(StatusCode::kUnavailable));
  EXPECT_FALSE(agent_->RunOnce().ok());
  uint64_t one_batch = agent_->queue().Bytes();
  MakeAgent(one_batch + one_batch / 2);  // room for only one batch
  Status s = agent_->RunOnce();
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted) << s.ToString();
  EXPECT_EQ(agent_->queue().Size(), 0u);
  EXPECT_EQ(agent_->queue().next_seq(), 2u);  // the refused scrape used no sequence number
  ASSERT_TRUE(agent_->RunOnce().ok());
  EXPECT_EQ(UploadedSeqs(), (std::vector<uint64_t>{1, 2}));
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
