#include "api/logs_api.h"
#include "api/logs_api_internal.h"

#include <time.h>

#include <atomic>
#include <map>
#include <thread>

#include <random>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace lm::api {
namespace {

using nlohmann::json;
using protocol::Severity;
using ::testing::HasSubstr;

constexpr int64_t kT0 = 1'700'000'000'000'000'000;  // 2023-11-14T22:13:20Z
constexpr int64_t kSec = 1'000'000'000;

protocol::LogRecord Log(int64_t t, std::string msg, Severity sev = Severity::kInfo,
                        std::string target = "app", std::vector<protocol::Label> attrs = {}) {
  protocol::LogRecord r;
  r.time_unix_nano = t;
  r.severity = sev;
  r.target = std::move(target);
  r.message = std::move(msg);
  r.attributes = std::move(attrs);
  return r;
}

protocol::Batch LogBatch(std::string agent, std::string boot, uint64_t seq,
                         std::vector<protocol::LogRecord> logs) {
  protocol::Batch b;
  b.identity = {std::move(agent), std::move(boot), seq, seq};
  b.logs = std::move(logs);
  return b;
}

std::vector<std::string> Messages(const json& j, const char* array = "logs") {
  std::vector<std::string> out;
  for (const auto& e : j["data"][array]) out.push_back(e["message"]);
  return out;
}

using V = std::vector<std::string>;

class LogsApiTest : public ::testing::Test {
 protected:
  LogsApiTest() : api_(&logs_, &alerts_, {"local only"}) {
    logs_.AppendBatch(LogBatch("web-1", "boot-a", 41,
                               {Log(kT0 + 123'456'789, "GET /index 200", Severity::kInfo, "http",
                                    {{"service", "web"}, {"http.method", "GET"}}),
                                Log(kT0 + 1 * kSec, "disk almost full", Severity::kWarn, "disk"),
                                Log(kT0 + 2 * kSec, "a+b c", Severity::kDebug, "calc")}));
    logs_.AppendBatch(LogBatch("web-2", "boot-b", 7,
                               {Log(kT0 + 3 * kSec, "Connection REFUSED by peer", Severity::kError,
                                    "net", {{"service", "api"}}),
                                Log(kT0 + 4 * kSec, "résumé échec", Severity::kFatal, "app"),
                                Log(kT0 + 5 * kSec, "a b c", Severity::kTrace, "calc")}));
    protocol::Batch a;
    a.identity = {"web-1", "boot-a", 42, 42};
    auto alert = [](int64_t t, std::string name, protocol::AlertState st, std::string msg,
                    std::vector<protocol::Label> labels) {
      protocol::AlertRecord r;
      r.time_unix_nano = t;
      r.name = std::move(name);
      r.state = st;
      r.severity = Severity::kWarn;
      r.message = std::move(msg);
      r.labels = std::move(labels);
      return r;
    };
    a.alerts = {alert(kT0 + 10 * kSec, "DiskFull", protocol::AlertState::kFiring, "disk / at 95%",
                      {{"device", "sda"}}),
                alert(kT0 + 11 * kSec, "DiskFull", protocol::AlertState::kResolved, "disk / ok",
                      {{"device", "sda"}}),
                alert(kT0 + 12 * kSec, "HighLoad", protocol::AlertState::kPending, "load 12", {})};
    alerts_.AppendBatch(a);
  }

  json Get(std::string query, int want_status = 200, bool alerts = false) {
    http::Request r;
    r.method = "GET";
    r.path = alerts ? "/api/v1/alerts" : "/api/v1/logs";
    r.query = std::move(query);
    http::Response res = alerts ? api_.Alerts(r) : api_.Logs(r);
    EXPECT_EQ(res.status, want_status) << res.body;
    return json::parse(res.body);
  }

  store::logs::LogStore logs_;
  store::logs::AlertStore alerts_;
  LogsApi api_;
};

TEST_F(LogsApiTest, ShapeNewestFirst) {
  json j = Get("");
  EXPECT_EQ(j["status"], "success");
  EXPECT_EQ(Messages(j), (V{"a b c", "résumé échec", "Connection REFUSED by peer", "a+b c",
                            "disk almost full", "GET /index 200"}));
  EXPECT_TRUE(j["data"]["next_cursor"].is_null());
  EXPECT_EQ(j["warnings"], json({"local only"}));
  const json& first = j["data"]["logs"][5];
  EXPECT_EQ(first["time"], "2023-11-14T22:13:20.123456789Z");
  EXPECT_EQ(first["time_unix_nano"], "1700000000123456789");
  EXPECT_EQ(first["agent_id"], "web-1");
  EXPECT_EQ(first["boot_id"], "boot-a");
  EXPECT_EQ(first["seq"], 41);
  EXPECT_EQ(first["severity"], "info");
  EXPECT_EQ(first["target"], "http");
  EXPECT_EQ(first["attributes"], json({{"service", "web"}, {"http.method", "GET"}}));
  EXPECT_EQ(j["data"]["logs"][4]["time"], "2023-11-14T22:13:21Z");
  EXPECT_EQ(Messages(Get("order=asc&limit=2")), (V{"GET /index 200", "disk almost full"}));
}

TEST_F(LogsApiTest, Filters) {
  // start/end inclusive, RFC 3339 or Unix seconds.
  EXPECT_EQ(Messages(Get("start=2023-11-14T22:13:21Z&end=1700000003")),
            (V{"Connection REFUSED by peer", "a+b c", "disk almost full"}));
  EXPECT_EQ(Messages(Get("agent_id=web-2&boot_id=boot-b&order=asc")),
            (V{"Connection REFUSED by peer", "résumé échec", "a b c"}));
  EXPECT_EQ(Messages(Get("boot_id=boot-a&agent_id=web-2")), V{});
  EXPECT_EQ(Messages(Get("severity=error")), (V{"Connection REFUSED by peer"}));
  EXPECT_EQ(Messages(Get("severity=ERROR")), (V{"Connection REFUSED by peer"}));
  EXPECT_EQ(Messages(Get("min_severity=error")), (V{"résumé échec", "Connection REFUSED by peer"}));
  EXPECT_EQ(Messages(Get("target=calc")), (V{"a b c", "a+b c"}));
  EXPECT_EQ(Messages(Get("attr.service=api")), (V{"Connection REFUSED by peer"}));
  EXPECT_EQ(Messages(Get("attr.http.method=GET&attr.service=web")), (V{"GET /index 200"}));
  EXPECT_EQ(Messages(Get("attr.http.method=POST")), V{});
  EXPECT_EQ(Messages(Get("agent_id=&target=")).size(), 6u);  // empty values: absent
}

TEST_F(LogsApiTest, TextSearchAndFormDecoding) {
  // '+' is a space, %2B a literal plus, %C3%A9 an é.
  EXPECT_EQ(Messages(Get("contains=a+b")), (V{"a b c"}));
  EXPECT_EQ(Messages(Get("contains=a%2Bb")), (V{"a+b c"}));
  EXPECT_EQ(Messages(Get("contains=%C3%A9chec")), (V{"résumé échec"}));
  EXPECT_EQ(Messages(Get("contains=refused")), V{});  // case-sensitive
  EXPECT_EQ(Messages(Get("icontains=refused")), (V{"Connection REFUSED by peer"}));
  EXPECT_EQ(Messages(Get("contains=refused&case_insensitive=true")),
            (V{"Connection REFUSED by peer"}));
  EXPECT_EQ(Messages(Get("icontains=%C3%89CHEC")), (V{"résumé échec"}));
  EXPECT_EQ(Messages(Get("regex=%5E(GET|POST)+%2F")), (V{"GET /index 200"}));
  EXPECT_EQ(Messages(Get("regex=refused&case_insensitive=1")), (V{"Connection REFUSED by peer"}));
  EXPECT_EQ(Messages(Get("contains=c&regex=a.b&order=asc")), (V{"a+b c", "a b c"}));
  EXPECT_EQ(Messages(Get("contains=a&contains=full")), (V{"disk almost full"}));
}

TEST_F(LogsApiTest, FormPost) {
  http::Request r;
  r.method = "POST";
  r.path = "/api/v1/logs";
  r.headers = {{"content-type", "application/x-www-form-urlencoded"}};
  r.body = "contains=a%2Bb&limit=5";
  http::Response res = api_.Logs(r);
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(Messages(json::parse(res.body)), (V{"a+b c"}));
}

TEST_F(LogsApiTest, BadParameters) {
  auto error = [&](const std::string& q, const std::string& name) {
    json j = Get(q, 400);
    EXPECT_EQ(j["errorType"], "bad_data") << q;
    EXPECT_THAT(j["error"].get<std::string>(), HasSubstr("\"" + name + "\"")) << q;
  };
  error("regex=a(b", "regex");
  EXPECT_THAT(Get("regex=a(b", 400)["error"].get<std::string>(), HasSubstr("a(b"));
  error("limit=0", "limit");
  error("limit=1001", "limit");
  error("limit=ten", "limit");
  error("order=sideways", "order");
  error("severity=loud", "severity");
  error("min_severity=unspecified", "min_severity");
  error("start=yesterday", "start");
  error("start=1700000010&end=1700000000", "end");
  error("case_insensitive=maybe", "case_insensitive");
  error("icontains=%FF", "icontains");
  error("cursor=nonsense", "cursor");
  error("attr.=x", "attr.");
  // Unknown parameters (state is an alerts parameter) are ignored.
  EXPECT_EQ(Messages(Get("state=bogus&label.x=y")).size(), 6u);
}

TEST_F(LogsApiTest, LimitBoundsAccepted) {
  EXPECT_EQ(Messages(Get("limit=1")).size(), 1u);
  EXPECT_EQ(Messages(Get("limit=1000")).size(), 6u);
}

TEST_F(LogsApiTest, CursorPagesAndIsChecked) {
  for (const char* order : {"desc", "asc"}) {
    V all = Messages(Get(std::string("order=") + order));
    V paged;
    std::string cursor;
    for (int i = 0; i < 10; ++i) {
      json j = Get(std::string("order=") + order + "&limit=4" +
                   (cursor.empty() ? "" : "&cursor=" + cursor));
      for (const auto& m : Messages(j)) paged.push_back(m);
      if (j["data"]["next_cursor"].is_null()) break;
      cursor = j["data"]["next_cursor"];
    }
    EXPECT_EQ(paged, all) << order;
  }
  const std::string cursor = Get("limit=2")["data"]["next_cursor"];
  EXPECT_EQ(Messages(Get("limit=2&cursor=" + cursor)), (V{"Connection REFUSED by peer", "a+b c"}));
  EXPECT_THAT(Get("limit=2&order=asc&cursor=" + cursor, 400)["error"].get<std::string>(),
              HasSubstr("order=desc"));
  EXPECT_THAT(Get("limit=2&target=calc&cursor=" + cursor, 400)["error"].get<std::string>(),
              HasSubstr("different filters"));
  const std::string alert_cursor = Get("limit=1", 200, true)["data"]["next_cursor"];
  EXPECT_THAT(Get("cursor=" + alert_cursor, 400)["error"].get<std::string>(),
              HasSubstr("/api/v1/logs"));
  std::string tampered = cursor;
  tampered[5] = tampered[5] == 'x' ? 'y' : 'x';
  EXPECT_EQ(Get("limit=2&cursor=" + tampered, 400)["errorType"], "bad_data");
}

TEST_F(LogsApiTest, HorizonWarning) {
  EXPECT_EQ(Get("start=1700000001")["warnings"], json({"local only"}));
  json j = Get("start=1600000000");
  ASSERT_EQ(j["warnings"].size(), 2u);
  EXPECT_THAT(j["warnings"][1].get<std::string>(), HasSubstr("outside the local horizon"));
  EXPECT_THAT(j["warnings"][1].get<std::string>(), HasSubstr("2023-11-14T22:13:20.123456789Z"));
  store::logs::LogStore empty_logs;
  store::logs::AlertStore empty_alerts;
  LogsApi empty(&empty_logs, &empty_alerts, {});
  http::Request r;
  r.method = "GET";
  r.query = "start=1600000000";
  json e = json::parse(empty.Logs(r).body);
  EXPECT_TRUE(e["data"]["logs"].empty());
  ASSERT_EQ(e["warnings"].size(), 1u);
  EXPECT_THAT(e["warnings"][0].get<std::string>(), HasSubstr("no local log horizon"));
  r.query = "";
  EXPECT_FALSE(json::parse(empty.Logs(r).body).contains("warnings"));
}

TEST_F(LogsApiTest, Alerts) {
  json j = Get("", 200, true);
  EXPECT_EQ(Messages(j, "alerts"), (V{"load 12", "disk / ok", "disk / at 95%"}));
  const json& a = j["data"]["alerts"][2];
  EXPECT_EQ(a["name"], "DiskFull");
  EXPECT_EQ(a["state"], "firing");
  EXPECT_EQ(a["severity"], "warn");
  EXPECT_EQ(a["seq"], 42);
  EXPECT_EQ(a["labels"], json({{"device", "sda"}}));
  EXPECT_FALSE(a.contains("target"));
  EXPECT_EQ(Messages(Get("state=resolved", 200, true), "alerts"), (V{"disk / ok"}));
  EXPECT_EQ(Messages(Get("name=HighLoad", 200, true), "alerts"), (V{"load 12"}));
  EXPECT_EQ(Messages(Get("label.device=sda&contains=95%25", 200, true), "alerts"),
            (V{"disk / at 95%"}));
  EXPECT_EQ(Messages(Get("min_severity=error", 200, true), "alerts"), V{});
  EXPECT_EQ(Messages(Get("agent_id=web-2", 200, true), "alerts"), V{});
  EXPECT_EQ(Get("state=bogus", 400, true)["errorType"], "bad_data");
  EXPECT_EQ(Messages(Get("order=asc&limit=1&start=1700000011", 200, true), "alerts"),
            (V{"disk / ok"}));
}

// A writer appends while pages are read through the API: every record that existed when the
// first page was read is returned exactly once.
TEST(LogsApiTimeTest, Rfc3339NanoMatchesTheCalendar) {
  EXPECT_EQ(logs_internal::FormatRfc3339Nano(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(logs_internal::FormatRfc3339Nano(1714564800123000000), "2024-05-01T12:00:00.123Z");
  EXPECT_EQ(logs_internal::FormatRfc3339Nano(951782400000000001), "2000-02-29T00:00:00.000000001Z");
  EXPECT_EQ(logs_internal::FormatRfc3339Nano(-1), "1969-12-31T23:59:59.999999999Z");
  // Random instants from 1900 to 2260 against gmtime_r.
  std::mt19937_64 rng(5);
  for (int i = 0; i < 20000; ++i) {
    const int64_t sec = static_cast<int64_t>(rng() % 11'360'000'000ull) - 2'208'988'800;
    const int64_t ns = sec * 1'000'000'000 + static_cast<int64_t>(rng() % 1000) * 1'000'000;
    const time_t t = static_cast<time_t>(sec);
    struct tm tm = {};
    gmtime_r(&t, &tm);
    char buf[80];
    std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    const std::string got = logs_internal::FormatRfc3339Nano(ns);
    ASSERT_EQ(got.substr(0, 19), buf) << ns;
  }
}

TEST(LogsApiConcurrencyTest, CursorStableWhileAppending) {
  store::logs::LogStore logs(store::logs::RecordStoreOptions{128});
  store::logs::AlertStore alerts;
  LogsApi api(&logs, &alerts, {});
  std::atomic<uint64_t> published{0};
  auto append = [&](uint64_t from, uint64_t n, uint64_t seed) {
    std::vector<protocol::LogRecord> batch;
    for (uint64_t i = from; i < from + n; ++i) {
      // Older, equal and newer times than those already read.
      const int64_t t = kT0 + static_cast<int64_t>((i * 7919 + seed) % 3000) * 1000;
      batch.push_back(Log(t, "line " + std::to_string(i)));
    }
    logs.AppendBatch(LogBatch("a", "b", from, batch));
    published.store(from + n);
  };
  for (uint64_t i = 0; i < 2000; i += 100) append(i, 100, 1);
  std::thread writer([&] {
    for (uint64_t i = 2000; i < 6000; i += 10) append(i, 10, 2);
  });
  const uint64_t existing = published.load();
  std::map<std::string, int> seen;
  std::string cursor;
  while (true) {
    http::Request r;
    r.method = "GET";
    r.query = "limit=50&contains=line" + (cursor.empty() ? "" : "&cursor=" + cursor);
    http::Response res = api.Logs(r);
    ASSERT_EQ(res.status, 200) << res.body;
    json j = json::parse(res.body);
    for (const auto& e : j["data"]["logs"]) ++seen[e["message"]];
    if (j["data"]["next_cursor"].is_null()) break;
    cursor = j["data"]["next_cursor"];
  }
  writer.join();
  for (uint64_t i = 0; i < existing; ++i) EXPECT_EQ(seen["line " + std::to_string(i)], 1) << i;
  for (const auto& [m, n] : seen) EXPECT_EQ(n, 1) << m;
}

}  // namespace
}  // namespace lm::api
