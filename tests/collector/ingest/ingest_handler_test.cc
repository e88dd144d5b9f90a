#include "collector/ingest/ingest_handler.h"

#include <gtest/gtest.h>

#include <future>
#include <nlohmann/json.hpp>

#include "collector/ingest/local_spool_acceptor.h"
#include "protocol/batch_codec.h"
#include "tests/common/temp_dir.h"

namespace lm::collector {
namespace {

protocol::Batch MakeBatch(uint64_t seq, double value) {
  protocol::Batch b;
  b.identity = {"host-a", "boot-1", seq, seq};
  protocol::MetricSeries s;
  s.name = "lmagent_up";
  s.samples = {{1'700'000'000'000'000'000, value}};
  b.series.push_back(s);
  return b;
}

class IngestHandlerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto spool = Spool::Open({.dir = dir_.Path("spool")}, [](int64_t, std::string_view) {});
    ASSERT_TRUE(spool.ok());
    spool_ = std::move(spool).value();
    acceptor_ = std::make_unique<LocalSpoolAcceptor>(
        spool_.get(), &index_, [this](const protocol::Batch&) { ++accepted_; });
    auto auth = TokenAuthenticator::Create({{"host-a", "tok-a"}});
    ASSERT_TRUE(auth.ok());
    limits_.max_series_per_batch = 107;
    handler_ = std::make_unique<IngestHandler>(*auth, limits_, acceptor_.get());
  }

  http::Request Post(const protocol::Batch& b, std::string body = {}) {
    http::Request r;
    r.method = "POST";
    r.path = std::string(kIngestPath);
    r.target = r.path;
    r.headers = {{"content-type", "application/x-capnp"},
                 {"authorization", "Bearer tok-a"},
                 {"x-lightmetrics-agent", b.identity.agent_id},
                 {"x-lightmetrics-seq-start", std::to_string(b.identity.seq_start)},
                 {"x-lightmetrics-seq-end", std::to_string(b.identity.seq_end)}};
    r.body = body.empty() ? protocol::EncodeBatchFrame(b) : std::move(body);
    return r;
  }

  http::Response Send(http::Request r) {
    std::promise<http::Response> p;
    handler_->Handle(std::move(r), [&](http::Response res) { p.set_value(std::move(res)); });
    return p.get_future().get();
  }

  static std::string Reason(const http::Response& r) {
    auto j = nlohmann::json::parse(r.body);
    return j.value("reason", "");
  }

  static void SetHeader(http::Request& r, const std::string& name, const std::string& value) {
    for (auto& [k, v] : r.headers) {
      if (k == name) {
        v = value;
        return;
      }
    }
    r.headers.emplace_back(name, value);
  }

  TempDir dir_;
  SpoolPtr spool_;
  IdentityIndex index_;
  std::unique_ptr<LocalSpoolAcceptor> acceptor_;
  protocol::DecodeLimits limits_;
  std::unique_ptr<IngestHandler> handler_;
  int accepted_ = 0;
};

TEST_F(IngestHandlerTest, AcceptThenDuplicateThenConflict) {
  auto first = Send(Post(MakeBatch(1, 1)));
  ASSERT_EQ(first.status, 200) << first.body;
  auto j = nlohmann::json::parse(first.body);
  EXPECT_EQ(j["status"], "accepted");
  EXPECT_EQ(j["agent_id"], "host-a");
  EXPECT_EQ(j["boot_id"], "boot-1");
  EXPECT_EQ(j["seq_start"], 1);
  EXPECT_EQ(j["seq_end"], 1);
  auto dup = Send(Post(MakeBatch(1, 1)));
  ASSERT_EQ(dup.status, 200);
  EXPECT_EQ(nlohmann::json::parse(dup.body)["status"], "duplicate");
  auto conflict = Send(Post(MakeBatch(1, 2)));
  EXPECT_EQ(conflict.status, 409);
  EXPECT_EQ(Reason(conflict), "identity_conflict");
  EXPECT_EQ(accepted_, 1);
  EXPECT_EQ(spool_->stats().records_appended, 1u);
}

TEST_F(IngestHandlerTest, HeaderRejections) {
  struct C {
    const char* name;
    void (*mutate)(http::Request&);
    int status;
    const char* reason;
  } cases[] = {
      {"path", [](http::Request& r) { r.path = "/api/v1/query"; }, 404, "not_found"},
      {"method", [](http::Request& r) { r.method = "PUT"; }, 405, "method_not_allowed"},
      {"encoding", [](http::Request& r) { SetHeader(r, "content-encoding", "gzip"); }, 415,
       "unsupported_content_encoding"},
      {"type", [](http::Request& r) { SetHeader(r, "content-type", "application/json"); }, 415,
       "unsupported_content_type"},
      {"token", [](http::Request& r) { SetHeader(r, "authorization", "Bearer wrong"); }, 401,
       "unauthorized"},
      {"no token", [](http::Request& r) { SetHeader(r, "authorization", ""); }, 401,
       "unauthorized"},
      {"agent", [](http::Request& r) { SetHeader(r, "x-lightmetrics-agent", "host-b"); }, 403,
       "agent_mismatch"},
      {"seq", [](http::Request& r) { SetHeader(r, "x-lightmetrics-seq-start", "x"); }, 400,
       "bad_header"},
      {"seq order", [](http::Request& r) { SetHeader(r, "x-lightmetrics-seq-start", "9"); }, 400,
       "bad_header"},
      {"seq mismatch",
       [](http::Request& r) {
         SetHeader(r, "x-lightmetrics-seq-start", "0");
         SetHeader(r, "x-lightmetrics-seq-end", "0");
       },
       400, "identity_mismatch"},
  };
  for (const auto& c : cases) {
    http::Request r = Post(MakeBatch(5, 1));
    c.mutate(r);
    auto res = Send(std::move(r));
    EXPECT_EQ(res.status, c.status) << c.name << ": " << res.body;
    EXPECT_EQ(Reason(res), c.reason) << c.name;
  }
  EXPECT_EQ(accepted_, 0);
}

TEST_F(IngestHandlerTest, BodyRejectionsNameTheRule) {
  protocol::Batch b = MakeBatch(7, 1);
  std::string frame = protocol::EncodeBatchFrame(b);
  std::string bad_crc = frame;
  bad_crc.back() ^= 1;
  auto crc = Send(Post(b, bad_crc));
  EXPECT_EQ(crc.status, 400);
  EXPECT_EQ(Reason(crc), "crc_mismatch");
  std::string v9 = frame;
  v9[8] = 9;
  EXPECT_EQ(Reason(Send(Post(b, v9))), "unsupported_version");
  protocol::Batch big = b;
  big.series.resize(108, b.series[0]);
  for (size_t i = 0; i < big.series.size(); ++i) big.series[i].name = "m" + std::to_string(i);
  auto over = Send(Post(big));
  EXPECT_EQ(over.status, 400);
  auto j = nlohmann::json::parse(over.body);
  EXPECT_EQ(j["reason"], "limit_exceeded");
  EXPECT_EQ(j["rule"], "max_series_per_batch");
  protocol::Batch other = b;
  other.identity.agent_id = "host-b";
  http::Request spoof = Post(other);
  SetHeader(spoof, "x-lightmetrics-agent", "host-a");
  auto s = Send(std::move(spoof));
  EXPECT_EQ(s.status, 403);
  EXPECT_EQ(Reason(s), "agent_mismatch");
  EXPECT_EQ(accepted_, 0);
}

TEST_F(IngestHandlerTest, LimitsEndpointNeedsAnAgentToken) {
  http::Request r;
  r.method = "GET";
  r.path = std::string(kLimitsPath);
  r.target = r.path;
  r.headers = {{"authorization", "Bearer tok-a"}};
  auto ok = Send(r);
  ASSERT_EQ(ok.status, 200) << ok.body;
  auto j = nlohmann::json::parse(ok.body);
  EXPECT_EQ(j["status"], "success");
  EXPECT_EQ(j["frame_version"], 1);
  EXPECT_EQ(j["limits"]["max_series_per_batch"], 107);
  EXPECT_EQ(j["limits"]["max_logs_per_batch"], limits_.max_logs_per_batch);
  EXPECT_EQ(j["limits"]["max_log_message_bytes"], limits_.max_log_message_bytes);
  EXPECT_EQ(j["limits"]["max_alerts_per_batch"], limits_.max_alerts_per_batch);
  EXPECT_EQ(j["limits"]["max_frame_bytes"], limits_.max_frame_bytes);
  http::Request bad = r;
  SetHeader(bad, "authorization", "Bearer nope");
  auto denied = Send(bad);
  EXPECT_EQ(denied.status, 401);
  EXPECT_EQ(Reason(denied), "unauthorized");
  http::Request post = r;
  post.method = "POST";
  auto wrong = Send(post);
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(Reason(wrong), "method_not_allowed");
}

TEST_F(IngestHandlerTest, ZstdFramesAreAcceptedAndBombsRefused) {
  protocol::Batch b = MakeBatch(3, 1);
  auto res = Send(Post(b, protocol::EncodeBatchFrame(b, protocol::Compression::kZstd)));
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(accepted_, 1);
  // A zstd payload that expands past max_frame_bytes is refused before it is decoded.
  std::string bomb = protocol::EncodeFrame(std::string(limits_.max_frame_bytes + 8, '\0'),
                                           protocol::Compression::kZstd);
  auto big = Send(Post(MakeBatch(4, 1), bomb));
  EXPECT_EQ(big.status, 413);
  EXPECT_EQ(Reason(big), "frame_too_large");
  auto garbage = Send(Post(MakeBatch(4, 1), [&] {
    std::string f = protocol::EncodeFrame("not zstd at all!");
    f[10] = 1;
    return f;
  }()));
  EXPECT_EQ(garbage.status, 400);
  EXPECT_EQ(Reason(garbage), "decompression_failed");
  EXPECT_EQ(accepted_, 1);
}

}  // namespace
}  // namespace lm::collector
