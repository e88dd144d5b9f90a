// End to end: the real lm-agent and lm-collector over real TLS on loopback.
#include <sys/stat.h>

#include <filesystem>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "protocol/batch_codec.h"
#include "tests/e2e/e2e_env.h"

namespace lm::testing {
namespace {

using nlohmann::json;

json Parse(const HttpResult& r) { return json::parse(r.body); }

// The values of lmagent_up for agent host-a in an instant query.
std::vector<std::string> UpValues(const E2eEnv& env) {
  auto r = env.Query("query=lmagent_up%7Bagent_id%3D%22host-a%22%7D");
  EXPECT_EQ(r.status, 200) << r.body;
  std::vector<std::string> out;
  auto j = Parse(r);
  EXPECT_EQ(j["status"], "success");
  for (const auto& s : j["data"]["result"]) out.push_back(s["value"][1]);
  return out;
}

uint64_t SpoolBytes(const E2eEnv& env) {
  uint64_t total = 0;
  for (const auto& e : std::filesystem::directory_iterator(env.Path("state/spool"))) {
    total += e.file_size();
  }
  return total;
}

protocol::Batch TestBatch(uint64_t seq, double value) {
  protocol::Batch b;
  b.identity = {E2eEnv::kAgentId, "e2e-boot", seq, seq};
  protocol::MetricSeries s;
  s.name = "e2e_value";
  s.samples = {{NowUnixNanos(), value}};
  b.series.push_back(s);
  return b;
}

TEST(WalkingSkeletonTest, AgentOnceIsQueryableAndSurvivesRestart) {
  E2eEnv env;
  env.StartCollector();
  ASSERT_EQ(env.RunAgentOnce(), 0) << env.CollectorLog();
  EXPECT_EQ(UpValues(env), std::vector<std::string>{"1"});
  auto j = Parse(env.Query("query=lmagent_up"));
  ASSERT_FALSE(j["warnings"].empty()) << "local-only results must say so";

  env.StopCollector();
  env.StartCollector();
  EXPECT_EQ(UpValues(env), std::vector<std::string>{"1"}) << "rebuilt from the spool";
  // A second run after the restart uploads the next sequence number.
  ASSERT_EQ(env.RunAgentOnce(), 0);
  EXPECT_EQ(UpValues(env), std::vector<std::string>{"1"});
}

TEST(WalkingSkeletonTest, DuplicateIsAnsweredAndNotDoubledConflictIsRefused) {
  E2eEnv env;
  env.StartCollector();
  protocol::Batch b = TestBatch(1, 42);
  std::string frame = protocol::EncodeBatchFrame(b);
  auto first = env.PostFrame(frame, 1, 1);
  ASSERT_EQ(first.status, 200) << first.body << first.error;
  EXPECT_EQ(Parse(first)["status"], "accepted");
  uint64_t after_first = SpoolBytes(env);
  auto again = env.PostFrame(frame, 1, 1);
  ASSERT_EQ(again.status, 200);
  EXPECT_EQ(Parse(again)["status"], "duplicate");
  EXPECT_EQ(SpoolBytes(env), after_first) << "a duplicate must not be spooled again";
  protocol::Batch changed = TestBatch(1, 43);
  auto conflict = env.PostFrame(protocol::EncodeBatchFrame(changed), 1, 1);
  EXPECT_EQ(conflict.status, 409);
  EXPECT_EQ(Parse(conflict)["reason"], "identity_conflict");
  EXPECT_EQ(SpoolBytes(env), after_first);
  auto q = Parse(env.Query("query=e2e_value"));
  ASSERT_EQ(q["data"]["result"].size(), 1u);
  EXPECT_EQ(q["data"]["result"][0]["value"][1], "42");

  env.StopCollector();
  env.StartCollector();
  auto replay = env.PostFrame(frame, 1, 1);
  EXPECT_EQ(Parse(replay)["status"], "duplicate") << "dedupe survives a restart";
}

TEST(WalkingSkeletonTest, BadInputIsRefusedWithTheRule) {
  E2eEnv env;
  env.SetIngestExtra("max_series_per_batch = 107");
  env.StartCollector();
  std::string frame = protocol::EncodeBatchFrame(TestBatch(5, 1));

  auto wrong_token = env.PostFrame(frame, 5, 5, {}, "not-the-token");
  EXPECT_EQ(wrong_token.status, 401);

  std::string bad_crc = frame;
  bad_crc.back() ^= 0x10;
  auto crc = env.PostFrame(bad_crc, 5, 5);
  EXPECT_EQ(crc.status, 400);
  EXPECT_EQ(Parse(crc)["reason"], "crc_mismatch");

  std::string v7 = frame;
  v7[8] = 7;
  auto version = env.PostFrame(v7, 5, 5);
  EXPECT_EQ(version.status, 400);
  EXPECT_EQ(Parse(version)["reason"], "unsupported_version");

  protocol::Batch big = TestBatch(5, 1);
  for (int i = 0; i < 107; ++i) {
    auto s = big.series[0];
    s.name = "series_" + std::to_string(i);
    big.series.push_back(s);
  }
  auto over = env.PostFrame(protocol::EncodeBatchFrame(big), 5, 5);
  EXPECT_EQ(over.status, 400);
  EXPECT_EQ(Parse(over)["reason"], "limit_exceeded");
  EXPECT_EQ(Parse(over)["rule"], "max_series_per_batch");
  EXPECT_NE(Parse(over)["error"].get<std::string>().find("max_series_per_batch"),
            std::string::npos);

  auto encoded = env.PostFrame(frame, 5, 5, {"Content-Encoding: gzip"});
  EXPECT_EQ(encoded.status, 415);

  auto too_big = env.PostFrame(std::string(9 << 20, 'x'), 5, 5);
  EXPECT_EQ(too_big.status, 413);

  HttpRequest on_ingest;
  on_ingest.url = fmt::format("https://127.0.0.1:{}/api/v1/query?query=up", env.ingest_port());
  on_ingest.ca_file = env.tls().ca_cert;
  EXPECT_EQ(HttpDo(on_ingest).status, 404);

  auto no_token = env.Query("query=up", false);
  EXPECT_EQ(no_token.status, 401);
  EXPECT_EQ(Parse(no_token)["errorType"], "unauthorized");

  // Nothing of the above was accepted; the good frame still is.
  auto good = env.PostFrame(frame, 5, 5);
  EXPECT_EQ(good.status, 200);
  EXPECT_EQ(Parse(good)["status"], "accepted");
}

TEST(WalkingSkeletonTest, CheckConfigCommands) {
  E2eEnv env;
  EXPECT_EQ(
      RunToExit({env.Bin("lm-collector"), "check-config", "--config", env.Path("server.toml")},
                env.Path("check.log")),
      0);
  ::chmod(env.Path("secrets/query.token").c_str(), 0644);
  EXPECT_EQ(
      RunToExit({env.Bin("lm-collector"), "check-config", "--config", env.Path("server.toml")},
                env.Path("check.log")),
      1);
}

}  // namespace
}  // namespace lm::testing
