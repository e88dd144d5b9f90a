#include "api/prometheus_api.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "store/mem_store.h"

namespace lm::api {
namespace {

class PrometheusApiTest : public ::testing::Test {
 protected:
  PrometheusApiTest() : engine_(promql::EngineOptions{}) {
    store_.Append(
        store::Labels(std::vector<store::Label>{{"__name__", "lmagent_up"}, {"agent_id", "a"}}),
        1'700'000'000'000, 1);
    PrometheusApiOptions opt;
    opt.warnings = {"local only"};
    opt.now_ms = [] { return int64_t{1'700'000'010'000}; };
    api_ = std::make_unique<PrometheusApi>(&store_, &engine_, opt);
  }

  http::Response Get(std::string query) {
    http::Request r;
    r.method = "GET";
    r.query = std::move(query);
    return api_->Query(r);
  }

  store::MemStore store_;
  promql::Engine engine_;
  std::unique_ptr<PrometheusApi> api_;
};

TEST_F(PrometheusApiTest, VectorEnvelope) {
  auto res = Get("query=lmagent_up");
  ASSERT_EQ(res.status, 200) << res.body;
  auto j = nlohmann::json::parse(res.body);
  EXPECT_EQ(j["status"], "success");
  EXPECT_EQ(j["data"]["resultType"], "vector");
  ASSERT_EQ(j["data"]["result"].size(), 1u);
  EXPECT_EQ(j["data"]["result"][0]["metric"]["__name__"], "lmagent_up");
  EXPECT_EQ(j["data"]["result"][0]["value"][0], 1700000010);
  EXPECT_EQ(j["data"]["result"][0]["value"][1], "1");
  EXPECT_EQ(j["warnings"][0], "local only");
}

TEST_F(PrometheusApiTest, TimeParameterAndForm) {
  auto old = Get("query=lmagent_up&time=1699999000");
  auto j = nlohmann::json::parse(old.body);
  EXPECT_EQ(j["data"]["result"].size(), 0u) << "no sample at or before that time";
  http::Request post;
  post.method = "POST";
  post.headers = {{"content-type", "application/x-www-form-urlencoded"}};
  post.body = "query=lmagent_up%7Bagent_id%3D%22a%22%7D&time=2023-11-14T22:13:21Z";
  auto p = api_->Query(post);
  auto pj = nlohmann::json::parse(p.body);
  ASSERT_EQ(pj["data"]["result"].size(), 1u) << p.body;
}

TEST_F(PrometheusApiTest, Errors) {
  auto empty = Get("");
  EXPECT_EQ(empty.status, 400);
  EXPECT_EQ(nlohmann::json::parse(empty.body)["errorType"], "bad_data");
  EXPECT_EQ(Get("query=up%5B").status, 400);
  EXPECT_EQ(Get("query=up&time=yesterday").status, 400);
  EXPECT_EQ(Get("query=%zz").status, 400);
}

TEST_F(PrometheusApiTest, ScalarResult) {
  auto j = nlohmann::json::parse(Get("query=2.5").body);
  EXPECT_EQ(j["data"]["resultType"], "scalar");
  EXPECT_EQ(j["data"]["result"][1], "2.5");
}

}  // namespace
}  // namespace lm::api
