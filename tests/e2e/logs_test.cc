// Logs end to end: lines tailed by a real lm-agent are searchable through /api/v1/logs
// (substring, case-insensitive, regex, paging), also after a collector restart.
#include <fstream>

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

}  // namespace
}  // namespace lm::testing
