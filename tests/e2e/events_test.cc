// GET /api/v1/events end to end: accepted batches appear as notices on an open stream,
// Last-Event-ID resumes, and stopping the collector ends open streams cleanly.
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "protocol/batch_codec.h"
#include "tests/e2e/e2e_env.h"

namespace lm::testing {
namespace {

using nlohmann::json;

std::string Frame(uint64_t seq) {
  protocol::Batch b;
  b.identity = {E2eEnv::kAgentId, "events-boot", seq, seq};
  protocol::MetricSeries s;
  s.name = "lmagent_up";
  s.samples = {{NowUnixNanos(), 1}};
  b.series.push_back(s);
  return protocol::EncodeBatchFrame(b);
}

// The data of every batch_accepted event in an SSE body.
std::vector<json> Notices(const std::string& body) {
  std::vector<json> out;
  size_t at = 0;
  while ((at = body.find("event: batch_accepted\ndata: ", at)) != std::string::npos) {
    at += 28;
    out.push_back(json::parse(body.substr(at, body.find('\n', at) - at)));
  }
  return out;
}

HttpResult Stream(const E2eEnv& env, long timeout_ms, std::string extra_header = "") {
  HttpRequest r;
  r.url = fmt::format("http://127.0.0.1:{}/api/v1/events", env.query_port());
  r.headers = {std::string("Authorization: Bearer ") + E2eEnv::kQueryToken};
  if (!extra_header.empty()) r.headers.push_back(extra_header);
  r.timeout_ms = timeout_ms;
  return HttpDo(r);
}

TEST(EventsTest, NoticesArriveLiveAndResumeAfterLastEventId) {
  E2eEnv env;
  env.StartCollector();
  HttpResult live;
  std::thread reader([&] { live = Stream(env, 2500); });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  for (uint64_t seq = 1; seq <= 3; ++seq)
    ASSERT_EQ(env.PostFrame(Frame(seq), seq, seq).status, 200);
  reader.join();
  auto notices = Notices(live.body);
  ASSERT_EQ(notices.size(), 3u) << live.body;
  EXPECT_EQ(notices[0]["agent_seq"], 1);
  EXPECT_EQ(notices[2]["agent_seq"], 3);
  EXPECT_EQ(notices[2]["seq_start"], 3);
  EXPECT_EQ(notices[0]["metrics"]["lmagent_up"], 1);

  // Reconnect after the first notice: the next two are replayed.
  const uint64_t first_id = notices[0]["event_id"];
  auto resumed = Stream(env, 800, fmt::format("Last-Event-ID: {}", first_id));
  auto replayed = Notices(resumed.body);
  ASSERT_EQ(replayed.size(), 2u) << resumed.body;
  EXPECT_EQ(replayed[0]["agent_seq"], 2);

  auto bad = Stream(env, 800, "Last-Event-ID: nope");
  EXPECT_EQ(bad.status, 400);
  HttpRequest no_token;
  no_token.url = fmt::format("http://127.0.0.1:{}/api/v1/events", env.query_port());
  EXPECT_EQ(HttpDo(no_token).status, 401);
}

TEST(EventsTest, StoppingTheCollectorEndsOpenStreamsCleanly) {
  E2eEnv env;
  env.StartCollector();
  HttpResult open;
  std::thread reader([&] { open = Stream(env, 20000); });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const auto t0 = std::chrono::steady_clock::now();
  env.StopCollector();
  reader.join();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(10));
  EXPECT_EQ(open.status, 200) << open.error;
  EXPECT_TRUE(open.error.empty()) << open.error;  // ended with the last chunk, not a reset
}

}  // namespace
}  // namespace lm::testing
