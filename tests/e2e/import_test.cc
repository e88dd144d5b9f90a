// `lm-collector import openmetrics` against a running collector: samples become queryable,
// a second import of the same file is all duplicates, a malformed file is refused.
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "tests/e2e/e2e_env.h"

namespace lm::testing {
namespace {

using nlohmann::json;

TEST(ImportTest, OpenMetricsBackfillIsQueryableAndIdempotent) {
  E2eEnv env;
  WriteText(env.Path("secrets/importer.token"), "import-token-0123456789abcdef\n", 0600);
  env.SetServerExtra("",
                     "[[ingest.agents]]\nid = \"importer\"\ntoken_file = "
                     "\"secrets/importer.token\"\n");
  env.SetIngestExtra("max_series_per_batch = 200\nmax_samples_per_series = 50");
  env.StartCollector();

  // 300 series x 120 samples, 15 s apart, ending a minute ago.
  const int64_t end_s = NowUnixMillis() / 1000 - 60;
  std::ofstream out(env.Path("data.om"));
  out << "# HELP node_load1 Load.\n# TYPE node_load1 gauge\n";
  for (int s = 0; s < 300; ++s) {
    for (int i = 0; i < 120; ++i) {
      out << "node_load1{instance=\"host-" << s << "\",job=\"node\"} " << s + i * 0.5 << " "
          << end_s - (119 - i) * 15 << "\n";
    }
  }
  out << "# TYPE http_requests counter\nhttp_requests_total{code=\"200\"} 42 " << end_s << "\n";
  out << "# EOF\n";
  out.close();

  const std::vector<std::string> cmd = {
      env.Bin("lm-collector"),
      "import",
      "openmetrics",
      env.Path("data.om"),
      "--url",
      fmt::format("https://127.0.0.1:{}/ingest/v1/batch", env.ingest_port()),
      "--ca-file",
      env.tls().ca_cert,
      "--token-file",
      env.Path("secrets/importer.token"),
      "--agent-id",
      "importer"};
  ASSERT_EQ(RunToExit(cmd, env.Path("import.log")), 0) << env.CollectorLog();

  auto q = json::parse(env.Query("query=node_load1%7Binstance%3D%22host-7%22%7D").body);
  ASSERT_EQ(q["data"]["result"].size(), 1u) << q.dump();
  EXPECT_EQ(q["data"]["result"][0]["value"][1], "66.5");  // 7 + 119 * 0.5
  EXPECT_EQ(q["data"]["result"][0]["metric"]["agent_id"], "importer");
  auto c = json::parse(env.Query("query=http_requests_total").body);
  EXPECT_EQ(c["data"]["result"][0]["value"][1], "42");
  auto md = json::parse(env.QueryPath("/api/v1/metadata?metric=http_requests_total").body);
  EXPECT_EQ(md["data"]["http_requests_total"][0]["type"], "counter");

  // The same file again: every batch a duplicate.
  ::unlink(env.Path("import.log").c_str());
  ASSERT_EQ(RunToExit(cmd, env.Path("import.log")), 0);
  std::ifstream log(env.Path("import.log"));
  std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("(0 accepted,"), std::string::npos) << text;

  // Without # EOF the import is refused.
  WriteText(env.Path("bad.om"), "up 1 1700000000\n");
  std::vector<std::string> bad = cmd;
  bad[3] = env.Path("bad.om");
  EXPECT_NE(RunToExit(bad, env.Path("bad.log")), 0);
}

}  // namespace
}  // namespace lm::testing
