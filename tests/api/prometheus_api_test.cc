#include "api/prometheus_api.h"

#include <gmock/gmock.h>
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

namespace lm::api {
namespace {

class QueryRangeTest : public ::testing::Test {
 protected:
  QueryRangeTest() : engine_(promql::EngineOptions{}) {
    for (int i = 0; i <= 10; ++i) {
      store_.Append(
          store::Labels(std::vector<store::Label>{{"__name__", "requests_total"}, {"job", "api"}}),
          1'700'000'000'000 + i * 15'000, 100.0 * i);
    }
    api_ = std::make_unique<PrometheusApi>(&store_, &engine_, PrometheusApiOptions{});
  }

  nlohmann::json Range(std::string query, int want = 200) {
    http::Request r;
    r.method = "GET";
    r.query = std::move(query);
    http::Response res = api_->QueryRange(r);
    EXPECT_EQ(res.status, want) << res.body;
    return nlohmann::json::parse(res.body);
  }

  store::MemStore store_;
  promql::Engine engine_;
  std::unique_ptr<PrometheusApi> api_;
};

TEST_F(QueryRangeTest, MatrixOverTheSteps) {
  auto j = Range("query=rate(requests_total%5B1m%5D)&start=1700000060&end=1700000150&step=30s");
  EXPECT_EQ(j["status"], "success");
  EXPECT_EQ(j["data"]["resultType"], "matrix");
  ASSERT_EQ(j["data"]["result"].size(), 1u);
  const auto& values = j["data"]["result"][0]["values"];
  ASSERT_EQ(values.size(), 4u);
  EXPECT_EQ(values[0][0], 1700000060);
  EXPECT_EQ(values[1][0], 1700000090);
  EXPECT_FALSE(j["data"]["result"][0]["metric"].contains("__name__"));
  auto scalar = Range("query=1%2B1&start=0&end=60&step=15");
  EXPECT_EQ(scalar["data"]["result"][0]["values"].size(), 5u);
}

TEST_F(QueryRangeTest, ParameterErrorsAreBadData) {
  for (const char* q :
       {"query=up&start=10&end=5&step=1", "query=up&start=0&end=10&step=0",
        "query=up&start=0&end=10&step=-1s", "query=up&start=0&end=10", "query=up&end=10&step=1",
        "query=up&start=0&end=100000&step=1", "start=0&end=10&step=1",
        "query=up&start=0&end=10&step=1&timeout=soon", "query=sum(&start=0&end=10&step=1"}) {
    auto j = Range(q, 400);
    EXPECT_EQ(j["errorType"], "bad_data") << q;
  }
  auto j = Range("query=up&start=0&end=100000&step=1", 400);
  EXPECT_THAT(j["error"].get<std::string>(), ::testing::HasSubstr("11,000 points"));
}

TEST_F(QueryRangeTest, FormatQuery) {
  http::Request r;
  r.method = "GET";
  r.query = "query=sum(rate(x%7Ba%3D%22b%22%7D%5B5m%5D))%20by%20(job)";
  auto res = api_->FormatQuery(r);
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(nlohmann::json::parse(res.body)["data"], "sum by (job) (rate(x{a=\"b\"}[5m]))");
  r.query = "query=sum(";
  EXPECT_EQ(api_->FormatQuery(r).status, 400);
}

}  // namespace
}  // namespace lm::api
