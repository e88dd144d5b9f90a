// Logs end to end: lines tailed by a real lm-agent are searchable through /api/v1/logs
// (substring, case-insensitive, regex, paging), also after a collector restart.
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/e2e/e2e_env.h"

namespace lm::testing {
namespace {

using nlohmann::json;

json Logs(const E2eEnv& env, const std::string& query) {
  HttpResult r = env.QueryPath("/api/v1/logs?" + query);
  EXPECT_EQ(r.status, 200) << r.body;
  return json::parse(r.body);
}

TEST(LogsTest, TailedLinesAreSearchableAndSurviveRestart) {
  E2eEnv env;
  const std::string log = env.Path("app.log");
  {
    std::ofstream out(log);
    for (int i = 0; i < 300; ++i) {
      out << "request id=" << i << (i % 50 == 7 ? " ERROR payment declined" : " ok") << "\n";
    }
  }
  env.SetAgentExtra("interval_ms = 1000",
                    fmt::format("[[log_inputs]]\nname = \"app\"\npath = \"{}\"\n", log));
  env.StartCollector();
  ASSERT_EQ(env.RunAgentOnce(), 0);

  json declined = Logs(env, "contains=payment+declined&target=app");
  ASSERT_EQ(declined["status"], "success");
  ASSERT_EQ(declined["data"]["logs"].size(), 6u) << declined.dump();
  EXPECT_EQ(declined["data"]["logs"][0]["agent_id"], E2eEnv::kAgentId);
  EXPECT_EQ(declined["data"]["logs"][0]["attributes"]["path"], log);
  EXPECT_EQ(Logs(env, "icontains=PAYMENT%20DECLINED")["data"]["logs"].size(), 6u);
  EXPECT_EQ(Logs(env, "regex=id%3D(7|57)%20ERROR")["data"]["logs"].size(), 2u);
  EXPECT_EQ(Logs(env, "contains=PAYMENT")["data"]["logs"].size(), 0u);

  // Paging through every app line, oldest first, 64 at a time.
  size_t seen = 0;
  std::string cursor;
  for (int pages = 0; pages < 10; ++pages) {
    json page =
        Logs(env, "target=app&order=asc&limit=64" + (cursor.empty() ? "" : "&cursor=" + cursor));
    seen += page["data"]["logs"].size();
    if (page["data"]["next_cursor"].is_null()) break;
    cursor = page["data"]["next_cursor"];
  }
  EXPECT_EQ(seen, 300u);
  EXPECT_EQ(env.QueryPath("/api/v1/logs?regex=(").status, 400);
  EXPECT_EQ(env.QueryPath("/api/v1/logs?limit=5000").status, 400);

  env.StopCollector();
  env.StartCollector();
  EXPECT_EQ(Logs(env, "contains=payment+declined")["data"]["logs"].size(), 6u)
      << "rebuilt from the spool";
  // Alerts: none were sent, the query still answers.
  HttpResult alerts = env.QueryPath("/api/v1/alerts");
  EXPECT_EQ(alerts.status, 200);
  EXPECT_TRUE(json::parse(alerts.body)["data"]["alerts"].empty());
}

// The data objects of every `event` in an SSE body, in order.
std::vector<json> Events(const std::string& body, const std::string& event) {
  std::vector<json> out;
  const std::string marker = "event: " + event + "\ndata: ";
  for (size_t at = 0; (at = body.find(marker, at)) != std::string::npos;) {
    at += marker.size();
    out.push_back(json::parse(body.substr(at, body.find('\n', at) - at)));
  }
  return out;
}

HttpResult Tail(const E2eEnv& env, const std::string& query, long timeout_ms) {
  HttpRequest r;
  r.url = fmt::format("http://127.0.0.1:{}/api/v1/logs/tail?{}", env.query_port(), query);
  r.headers = {std::string("Authorization: Bearer ") + E2eEnv::kQueryToken};
  r.timeout_ms = timeout_ms;
  return HttpDo(r);
}

std::vector<std::string> Messages(const std::vector<json>& events) {
  std::vector<std::string> out;
  for (const json& e : events) {
    for (const json& r : e["logs"]) out.push_back(r["message"]);
  }
  return out;
}

TEST(LogsTest, TailStreamsNewLinesLiveAndResumesFromItsCursor) {
  E2eEnv env;
  const std::string log = env.Path("app.log");
  auto append = [&](int from, int to) {
    std::ofstream out(log, std::ios::app);
    for (int i = from; i <= to; ++i) out << "line " << i << "\n";
  };
  append(1, 5);
  env.SetAgentExtra("interval_ms = 1000",
                    fmt::format("[[log_inputs]]\nname = \"app\"\npath = \"{}\"\n", log));
  env.StartCollector();
  ASSERT_EQ(env.RunAgentOnce(), 0);

  HttpResult live;
  std::thread reader([&] { live = Tail(env, "target=app&limit=3", 3000); });
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  append(6, 8);
  ASSERT_EQ(env.RunAgentOnce(), 0);
  reader.join();  // the stream stays open: the client's timeout ends it
  std::vector<json> snapshot = Events(live.body, "log_tail_snapshot");
  ASSERT_EQ(snapshot.size(), 1u) << live.body;
  EXPECT_EQ(Messages(snapshot), (std::vector<std::string>{"line 3", "line 4", "line 5"}));
  std::vector<json> updates = Events(live.body, "log_tail_update");
  EXPECT_EQ(Messages(updates), (std::vector<std::string>{"line 6", "line 7", "line 8"}));
  EXPECT_TRUE(Events(live.body, "log_tail_gap").empty()) << live.body;

  // Resume one agent boot's stream from the snapshot's cursor: no snapshot, and the lines
  // accepted since follow; with limit=2 one update cannot hold them all, which is a gap.
  ASSERT_FALSE(updates.empty());
  const std::string boot = updates.back()["logs"].back()["boot_id"];
  const std::string resume =
      fmt::format("target=app&agent_id={}&boot_id={}&after={}", E2eEnv::kAgentId, boot,
                  snapshot[0]["cursor"].get<std::string>());
  HttpResult resumed = Tail(env, resume, 1000);
  EXPECT_TRUE(Events(resumed.body, "log_tail_snapshot").empty()) << resumed.body;
  EXPECT_EQ(Messages(Events(resumed.body, "log_tail_update")),
            (std::vector<std::string>{"line 6", "line 7", "line 8"}));
  EXPECT_TRUE(Events(resumed.body, "log_tail_gap").empty()) << resumed.body;
  HttpResult lagging = Tail(env, resume + "&limit=2", 1000);
  EXPECT_EQ(Messages(Events(lagging.body, "log_tail_update")).size(), 2u) << lagging.body;
  std::vector<json> gaps = Events(lagging.body, "log_tail_gap");
  ASSERT_EQ(gaps.size(), 1u) << lagging.body;
  EXPECT_EQ(gaps[0]["reason"], "lag");

  // Bad requests are refused before the stream starts.
  EXPECT_EQ(Tail(env, "limit=0", 1000).status, 400);
  EXPECT_EQ(Tail(env, "regex=(", 1000).status, 400);
  EXPECT_EQ(Tail(env, "after=t1.x.1", 1000).status, 400);  // without agent_id and boot_id
  HttpRequest no_token;
  no_token.url = fmt::format("http://127.0.0.1:{}/api/v1/logs/tail", env.query_port());
  EXPECT_EQ(HttpDo(no_token).status, 401);
}

}  // namespace
}  // namespace lm::testing
