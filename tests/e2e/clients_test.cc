// Real Prometheus clients against the query listener: Debian's promtool (instant, range,
// series and label queries, with the query token as a Basic password in the URL or as a
// Bearer header) and the request sequence Grafana's Prometheus data source sends when a
// data source is saved and a panel is rendered.
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "tests/e2e/e2e_env.h"

namespace lm::testing {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

constexpr const char* kPromtool = "/usr/bin/promtool";

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class ClientsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WriteText(env_.Path("secrets/importer.token"), "import-token-0123456789abcdef\n", 0600);
    env_.SetServerExtra("",
                        "[[ingest.agents]]\nid = \"importer\"\ntoken_file = "
                        "\"secrets/importer.token\"\n");
    env_.StartCollector();
    // Two request counters (codes 200 and 500) growing by 15 and 3 per 15 s step, for 30
    // minutes ending a minute ago.
    end_s_ = NowUnixMillis() / 1000 - 60;
    std::ofstream out(env_.Path("data.om"));
    out << "# TYPE http_requests counter\n";
    for (int i = 0; i <= 120; ++i) {
      const int64_t t = end_s_ - (120 - i) * 15;
      out << "http_requests_total{job=\"api\",code=\"200\"} " << i * 15 << " " << t << "\n";
      out << "http_requests_total{job=\"api\",code=\"500\"} " << i * 3 << " " << t << "\n";
    }
    out << "# EOF\n";
    out.close();
    ASSERT_EQ(
        RunToExit({env_.Bin("lm-collector"), "import", "openmetrics", env_.Path("data.om"), "--url",
                   fmt::format("https://127.0.0.1:{}/ingest/v1/batch", env_.ingest_port()),
                   "--ca-file", env_.tls().ca_cert, "--token-file",
                   env_.Path("secrets/importer.token"), "--agent-id", "importer"},
                  env_.Path("import.log")),
        0)
        << ReadAll(env_.Path("import.log"));
  }

  // Runs promtool; returns its exit code and output.
  std::pair<int, std::string> Promtool(std::vector<std::string> args) {
    const std::string log = env_.Path(fmt::format("promtool-{}.log", ++runs_));
    args.insert(args.begin(), kPromtool);
    const int rc = RunToExit(args, log);
    return {rc, ReadAll(log)};
  }

  std::string BasicUrl() const {
    return fmt::format("http://lm:{}@127.0.0.1:{}", E2eEnv::kQueryToken, env_.query_port());
  }
  std::string PlainUrl() const { return fmt::format("http://127.0.0.1:{}", env_.query_port()); }

  json Get(const std::string& path) {
    HttpResult r = env_.QueryPath(path);
    EXPECT_EQ(r.status, 200) << path << ": " << r.body;
    return json::parse(r.body, nullptr, false);
  }
  json Post(const std::string& path, const std::string& form) {
    HttpResult r = env_.QueryPath(path, "POST", form);
    EXPECT_EQ(r.status, 200) << path << " " << form << ": " << r.body;
    return json::parse(r.body, nullptr, false);
  }

  E2eEnv env_;
  int64_t end_s_ = 0;
  int runs_ = 0;
};

TEST_F(ClientsTest, PromtoolQueriesInstantRangeSeriesAndLabels) {
  const std::string at = std::to_string(end_s_);
  auto [rc, out] = Promtool(
      {"query", "instant", "--time=" + at, BasicUrl(), "sum by (code) (http_requests_total)"});
  ASSERT_EQ(rc, 0) << out;
  EXPECT_THAT(out, HasSubstr("{code=\"200\"} => 1800 @[" + at + "]"));
  EXPECT_THAT(out, HasSubstr("{code=\"500\"} => 360 @[" + at + "]"));

  std::tie(rc, out) = Promtool({"query", "range", "--header",
                                std::string("Authorization: Bearer ") + E2eEnv::kQueryToken,
                                "--start=" + std::to_string(end_s_ - 600), "--end=" + at,
                                "--step=5m", PlainUrl(), "http_requests_total{code=\"500\"}"});
  ASSERT_EQ(rc, 0) << out;
  EXPECT_THAT(out, HasSubstr("http_requests_total{agent_id=\"importer\", code=\"500\", "
                             "job=\"api\"} =>"));
  EXPECT_THAT(out, HasSubstr("360 @[" + at + "]"));  // 120 steps x 3
  EXPECT_THAT(out, HasSubstr("300 @[" + std::to_string(end_s_ - 300) + "]"));

  std::tie(rc, out) =
      Promtool({"query", "series", "--match=http_requests_total",
                "--start=" + std::to_string(end_s_ - 600), "--end=" + at, BasicUrl()});
  ASSERT_EQ(rc, 0) << out;
  EXPECT_THAT(out, HasSubstr("code=\"200\""));
  EXPECT_THAT(out, HasSubstr("code=\"500\""));

  std::tie(rc, out) = Promtool({"query", "labels", BasicUrl(), "code"});
  ASSERT_EQ(rc, 0) << out;
  EXPECT_THAT(out, HasSubstr("200\n500\n"));

  // Without the token, or with a wrong one, promtool fails.
  std::tie(rc, out) = Promtool({"query", "instant", PlainUrl(), "1"});
  EXPECT_NE(rc, 0) << out;
  std::tie(rc, out) = Promtool(
      {"query", "instant", fmt::format("http://lm:wrong@127.0.0.1:{}", env_.query_port()), "1"});
  EXPECT_NE(rc, 0) << out;
}

TEST_F(ClientsTest, GrafanaDataSourceSaveAndPanelRequests) {
  const std::string start = std::to_string(end_s_ - 1800);
  const std::string end = std::to_string(end_s_);

  // "Save & test": the build information, then an instant 1+1 (POST, Grafana's default).
  json build = Get("/api/v1/status/buildinfo");
  EXPECT_EQ(build["status"], "success");
  EXPECT_TRUE(build["data"]["version"].is_string());
  json health = Post("/api/v1/query", "query=1%2B1&time=" + end);
  EXPECT_EQ(health["data"]["resultType"], "scalar");
  EXPECT_EQ(health["data"]["result"][1], "2");

  // The query editor's metric browser: label names, metric names, metadata, label values
  // for a chosen metric, series.
  json labels = Get("/api/v1/labels?start=" + start + "&end=" + end);
  EXPECT_THAT(labels["data"].get<std::vector<std::string>>(),
              ::testing::IsSupersetOf({"__name__", "code", "job", "agent_id"}));
  json names = Get("/api/v1/label/__name__/values?start=" + start + "&end=" + end);
  EXPECT_THAT(names["data"].get<std::vector<std::string>>(),
              ::testing::Contains("http_requests_total"));
  json metadata = Get("/api/v1/metadata");
  EXPECT_EQ(metadata["data"]["http_requests_total"][0]["type"], "counter");
  json codes = Get("/api/v1/label/code/values?match%5B%5D=http_requests_total&start=" + start +
                   "&end=" + end);
  EXPECT_EQ(codes["data"], json::parse(R"(["200","500"])"));
  json series =
      Post("/api/v1/series",
           "match%5B%5D=http_requests_total%7Bcode%3D%22500%22%7D&start=" + start + "&end=" + end);
  ASSERT_EQ(series["data"].size(), 1u) << series.dump();
  EXPECT_EQ(series["data"][0]["job"], "api");

  // A panel: the range query (POST, step from the panel width) and its exemplars.
  json range = Post("/api/v1/query_range",
                    "query=sum%20by%20(code)%20(rate(http_requests_total%5B5m%5D))&start=" +
                        std::to_string(end_s_ - 900) + "&end=" + end + "&step=60");
  ASSERT_EQ(range["data"]["resultType"], "matrix");
  ASSERT_EQ(range["data"]["result"].size(), 2u) << range.dump();
  for (const json& s : range["data"]["result"]) {
    EXPECT_EQ(s["values"].size(), 16u) << s.dump();
    const double expected = s["metric"]["code"] == "200" ? 1 : 0.2;
    EXPECT_NEAR(std::stod(s["values"].back()[1].get<std::string>()), expected, 1e-9) << s.dump();
  }
  json exemplars =
      Post("/api/v1/query_exemplars", "query=http_requests_total&start=" + start + "&end=" + end);
  EXPECT_EQ(exemplars["status"], "success");
  EXPECT_TRUE(exemplars["data"].is_array());

  // A panel query with an error is a 400 bad_data, which Grafana shows under the panel.
  HttpResult bad = env_.QueryPath("/api/v1/query_range", "POST",
                                  "query=sum(&start=" + start + "&end=" + end + "&step=60");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(json::parse(bad.body)["errorType"], "bad_data");
}

}  // namespace
}  // namespace lm::testing
