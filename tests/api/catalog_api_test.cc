#include "api/catalog_api.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "store/mem_store.h"

namespace lm::api {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

class CatalogApiTest : public ::testing::Test {
 protected:
  CatalogApiTest() : api_(&store_, {"local only"}) {
    auto add = [&](std::vector<store::Label> l, int64_t t) {
      store_.Append(store::Labels(std::move(l)), t, 1);
    };
    add({{"__name__", "up"}, {"job", "api"}, {"instance", "a:1"}}, 1'000'000);
    add({{"__name__", "up"}, {"job", "db"}, {"instance", "b:1"}}, 2'000'000);
    add({{"__name__", "http_requests_total"}, {"job", "api"}, {"code", "200"}}, 3'000'000);
    store_.NoteMetricType("up", "gauge");
    store_.NoteMetricType("http_requests_total", "counter");
  }

  json Call(http::Response (CatalogApi::*fn)(const http::Request&) const, std::string query,
            int want_status = 200, std::string path = "") {
    http::Request r;
    r.method = "GET";
    r.query = std::move(query);
    r.path = std::move(path);
    http::Response res = (api_.*fn)(r);
    EXPECT_EQ(res.status, want_status) << res.body;
    return json::parse(res.body);
  }

  store::MemStore store_;
  CatalogApi api_;
};

TEST_F(CatalogApiTest, LabelsWithAndWithoutMatchers) {
  json all = Call(&CatalogApi::Labels, "");
  EXPECT_EQ(all["status"], "success");
  EXPECT_EQ(all["data"], json({"__name__", "code", "instance", "job"}));
  EXPECT_EQ(all["warnings"][0], "local only");
  json up = Call(&CatalogApi::Labels, "match[]=up");
  EXPECT_EQ(up["data"], json({"__name__", "instance", "job"}));
  json two = Call(&CatalogApi::Labels, "match[]=up&match[]=http_requests_total");
  EXPECT_EQ(two["data"].size(), 4u);
  json timed = Call(&CatalogApi::Labels, "start=2500&end=4000");
  EXPECT_EQ(timed["data"], json({"__name__", "code", "job"}));
  json limited = Call(&CatalogApi::Labels, "limit=2");
  EXPECT_EQ(limited["data"].size(), 2u);
  EXPECT_EQ(limited["warnings"][1], "results truncated due to limit");
  EXPECT_EQ(Call(&CatalogApi::Labels, "match[]=sum(up)", 400)["errorType"], "bad_data");
  EXPECT_EQ(Call(&CatalogApi::Labels, "start=yesterday", 400)["errorType"], "bad_data");
  EXPECT_EQ(Call(&CatalogApi::Labels, "limit=-1", 400)["errorType"], "bad_data");
}

TEST_F(CatalogApiTest, LabelValuesFromThePath) {
  json jobs = Call(&CatalogApi::LabelValues, "", 200, "/api/v1/label/job/values");
  EXPECT_EQ(jobs["data"], json({"api", "db"}));
  json names =
      Call(&CatalogApi::LabelValues, "match[]={job=\"api\"}", 200, "/api/v1/label/__name__/values");
  EXPECT_EQ(names["data"], json({"http_requests_total", "up"}));
  json none = Call(&CatalogApi::LabelValues, "", 200, "/api/v1/label/nope/values");
  EXPECT_TRUE(none["data"].empty());
  Call(&CatalogApi::LabelValues, "", 404, "/api/v1/label/job");
}

TEST_F(CatalogApiTest, SeriesNeedsMatchers) {
  json up = Call(&CatalogApi::Series, "match[]=up");
  ASSERT_EQ(up["data"].size(), 2u);
  EXPECT_EQ(up["data"][0]["instance"], "a:1");
  EXPECT_EQ(up["data"][1]["job"], "db");
  json regex = Call(&CatalogApi::Series, "match[]={job=~\"a.*\"}&start=0&end=5000");
  EXPECT_EQ(regex["data"].size(), 2u);
  json missing = Call(&CatalogApi::Series, "", 400);
  EXPECT_THAT(missing["error"].get<std::string>(), HasSubstr("no match[] parameter"));
  Call(&CatalogApi::Series, "match[]=up&start=10&end=5", 400);
  json limited = Call(&CatalogApi::Series, "match[]={job=~\".%2B\"}&limit=1");
  EXPECT_EQ(limited["data"].size(), 1u);
}

TEST_F(CatalogApiTest, MetadataBuildinfoExemplars) {
  json md = Call(&CatalogApi::Metadata, "");
  EXPECT_EQ(md["data"]["up"][0]["type"], "gauge");
  EXPECT_EQ(md["data"]["http_requests_total"][0]["type"], "counter");
  EXPECT_EQ(Call(&CatalogApi::Metadata, "metric=up")["data"].size(), 1u);
  EXPECT_EQ(Call(&CatalogApi::Metadata, "limit=1")["data"].size(), 1u);
  json bi = Call(&CatalogApi::BuildInfo, "");
  EXPECT_EQ(bi["data"]["version"], "3.0.0");
  EXPECT_EQ(bi["data"]["application"], "lightmetrics");
  EXPECT_TRUE(Call(&CatalogApi::QueryExemplars, "query=up&start=0&end=1")["data"].empty());
  Call(&CatalogApi::QueryExemplars, "", 400);
}

}  // namespace
}  // namespace lm::api
