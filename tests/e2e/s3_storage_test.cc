// End to end against a real S3-compatible server (a RADOS Gateway started by the test):
// both acceptance modes, an S3 outage mid-run, reconciliation, and two collectors sharing
// one bucket (active-active).
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "objectstore/object_layout.h"
#include "objectstore/s3/s3_object_store.h"
#include "protocol/batch_codec.h"
#include "tests/common/rgw_server.h"
#include "tests/e2e/e2e_env.h"

namespace lm::testing {
namespace {

using nlohmann::json;

RgwServer* g_rgw = nullptr;

class RgwEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    g_rgw = new RgwServer();
    std::string error = g_rgw->Start();
    ASSERT_TRUE(error.empty()) << error;
    ::setenv("AWS_ACCESS_KEY_ID", RgwServer::kAccessKey, 1);
    ::setenv("AWS_SECRET_ACCESS_KEY", RgwServer::kSecretKey, 1);
  }
  void TearDown() override {
    delete g_rgw;
    g_rgw = nullptr;
  }
};

const auto* const kRgwEnv = ::testing::AddGlobalTestEnvironment(new RgwEnvironment);

json Parse(const HttpResult& r) {
  json j = json::parse(r.body, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << r.status << " " << r.body << " " << r.error;
  return j;
}

std::string Frame(uint64_t seq, double value) {
  static const int64_t base = NowUnixNanos() - 60'000'000'000;
  protocol::Batch b;
  b.identity = {E2eEnv::kAgentId, "s3-boot", seq, seq};
  protocol::MetricSeries s;
  s.name = "s3_value";
  s.samples = {{base + static_cast<int64_t>(seq) * 1'000'000, value}};
  b.series.push_back(s);
  return protocol::EncodeBatchFrame(b);
}

// The bucket's store as the test sees it (same prefix as the collectors).
std::unique_ptr<objectstore::S3ObjectStore> TestStore(const std::string& bucket) {
  objectstore::S3Options o;
  o.endpoint = g_rgw->endpoint();
  o.bucket = bucket;
  o.prefix = "lm";
  o.credentials = {RgwServer::kAccessKey, RgwServer::kSecretKey, ""};
  auto store = objectstore::S3ObjectStore::Create(o);
  EXPECT_TRUE(store.ok());
  EXPECT_TRUE((*store)->EnsureBucket().ok());
  return std::move(store).value();
}

size_t Count(objectstore::ObjectStore& store, std::string_view prefix) {
  size_t n = 0;
  Status s = objectstore::ListAll(store, prefix, "", [&](const objectstore::ObjectInfo&) {
    ++n;
    return true;
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
  return n;
}

std::string S3Config(const std::string& bucket, uint32_t reconcile_ms = 0) {
  return fmt::format(
      "[object_store]\ntype = \"s3\"\nendpoint = \"{}\"\nbucket = \"{}\"\nprefix = \"lm\"\n"
      "timeout_ms = 2000\nreconcile_interval_ms = {}\n",
      g_rgw->endpoint(), bucket, reconcile_ms);
}

template <typename Pred>
bool WaitFor(Pred pred, int seconds = 30) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return pred();
}

// Restarts the gateway even when an assertion fails in the middle of an outage.
struct GatewayGuard {
  ~GatewayGuard() {
    if (stopped) g_rgw->Gateway("start");
  }
  void Stop() {
    ASSERT_TRUE(g_rgw->Gateway("stop"));
    stopped = true;
  }
  void Start() {
    ASSERT_TRUE(g_rgw->Gateway("start"));
    stopped = false;
  }
  bool stopped = false;
};

TEST(S3StorageTest, LocalSpoolKeepsAcceptingThroughAnOutageAndLandsAfterIt) {
  auto store = TestStore("local-spool");
  E2eEnv env;
  env.SetIngestExtra("object_landing_interval_ms = 100");
  env.SetServerExtra("", S3Config("local-spool"));
  env.StartCollector();
  for (uint64_t seq = 1; seq <= 3; ++seq) {
    ASSERT_EQ(env.PostFrame(Frame(seq, 1), seq, seq).status, 200);
  }
  ASSERT_TRUE(WaitFor([&] { return Count(*store, "accepted/v1/") == 3; })) << env.CollectorLog();

  GatewayGuard gateway;
  gateway.Stop();
  for (uint64_t seq = 4; seq <= 6; ++seq) {
    auto r = env.PostFrame(Frame(seq, 1), seq, seq);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(Parse(r)["status"], "accepted");
  }
  ASSERT_TRUE(WaitFor([&] {
    return Parse(env.QueryPath("/api/v1/admin/landing"))["data"]["state"] == "retrying";
  })) << Parse(env.QueryPath("/api/v1/admin/landing")).dump();
  // Queries keep being served from the local spool during the outage.
  auto q = Parse(env.Query("query=s3_value"));
  EXPECT_EQ(q["data"]["result"].size(), 1u);

  gateway.Start();
  ASSERT_TRUE(WaitFor([&] { return Count(*store, "accepted/v1/") == 6; })) << env.CollectorLog();
  EXPECT_EQ(Count(*store, "raw/v1/"), 6u);
  ASSERT_TRUE(WaitFor(
      [&] { return Parse(env.QueryPath("/api/v1/admin/landing"))["data"]["state"] == "ok"; }));
}

TEST(S3StorageTest, S3ManifestAnswers503DuringAnOutageAndAcceptsNothingLocally) {
  auto store = TestStore("manifest-outage");
  E2eEnv env;
  env.SetIngestExtra("acceptance = \"s3_manifest\"");
  env.SetServerExtra("", S3Config("manifest-outage"));
  env.StartCollector();
  auto first = env.PostFrame(Frame(1, 1), 1, 1);
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(Count(*store, "accepted/v1/"), 1u);
  EXPECT_EQ(Parse(env.PostFrame(Frame(1, 1), 1, 1))["status"], "duplicate");

  GatewayGuard gateway;
  gateway.Stop();
  auto refused = env.PostFrame(Frame(2, 1), 2, 2);
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_FALSE(refused.Header("retry-after").empty());
  gateway.Start();
  auto retried = env.PostFrame(Frame(2, 1), 2, 2);
  ASSERT_EQ(retried.status, 200) << retried.body;
  EXPECT_EQ(Parse(retried)["status"], "accepted") << "the outage must not have accepted it";

  auto conflict = env.PostFrame(Frame(2, 5), 2, 2);
  EXPECT_EQ(conflict.status, 409);
  EXPECT_EQ(Count(*store, "quarantine/v1/"), 2u);
  EXPECT_EQ(Count(*store, "accepted/v1/"), 2u);
}

TEST(S3StorageTest, ReconciliationRepairsLostIndexEntriesOnS3) {
  auto store = TestStore("reconcile");
  E2eEnv env;
  env.SetIngestExtra("acceptance = \"s3_manifest\"");
  env.SetServerExtra("", S3Config("reconcile", 1000));
  env.StartCollector();
  for (uint64_t seq = 1; seq <= 5; ++seq) {
    ASSERT_EQ(env.PostFrame(Frame(seq, 1), seq, seq).status, 200);
  }
  std::vector<std::string> lost;
  ASSERT_TRUE(objectstore::ListAll(*store, "index/v1/", "", [&](const objectstore::ObjectInfo& o) {
                if (lost.size() % 2 == 0)
                  lost.push_back(o.key);
                else
                  lost.push_back("");
                return true;
              }).ok());
  size_t deleted = 0;
  for (const std::string& key : lost) {
    if (key.empty()) continue;
    ASSERT_TRUE(store->Delete(key).ok());
    ++deleted;
  }
  ASSERT_GT(deleted, 0u);
  ASSERT_TRUE(WaitFor([&] {
    json j = Parse(env.QueryPath("/api/v1/object-store/reconciliation"));
    return j["data"]["repairs"] == deleted && j["data"]["state"] == "ok";
  })) << Parse(env.QueryPath("/api/v1/object-store/reconciliation")).dump();
  EXPECT_EQ(Count(*store, "index/v1/"), 15u);
}

TEST(S3StorageTest, TwoCollectorsOnOneBucketAcceptEachIdentityOnce) {
  auto store = TestStore("active-active");
  E2eEnv a;
  E2eEnv b;
  for (E2eEnv* env : {&a, &b}) {
    env->SetIngestExtra("acceptance = \"s3_manifest\"");
    env->SetServerExtra(env == &a ? "collector_id = \"a\"" : "collector_id = \"b\"",
                        S3Config("active-active"));
    env->StartCollector();
  }
  constexpr uint64_t kBatches = 40;
  constexpr uint64_t kConflicting = 10;  // seq 1..10: collector b gets other bytes
  std::mutex mu;
  std::map<uint64_t, std::vector<std::pair<int, std::string>>> answers;  // seq -> (status, kind)
  auto send = [&](E2eEnv* env, bool other_bytes) {
    for (uint64_t seq = 1; seq <= kBatches; ++seq) {
      const bool changed = other_bytes && seq <= kConflicting;
      auto r = env->PostFrame(Frame(seq, changed ? 2 : 1), seq, seq);
      json j = json::parse(r.body, nullptr, false);
      std::lock_guard lock(mu);
      answers[seq].emplace_back(r.status, j.is_object() ? j.value("status", "") : r.body);
    }
  };
  std::thread ta(send, &a, false);
  std::thread tb(send, &b, true);
  ta.join();
  tb.join();

  EXPECT_EQ(Count(*store, "accepted/v1/"), kBatches);
  size_t quarantined = 0;
  for (uint64_t seq = 1; seq <= kBatches; ++seq) {
    const auto& got = answers[seq];
    ASSERT_EQ(got.size(), 2u);
    int accepted = 0;
    int duplicate = 0;
    int conflict = 0;
    for (const auto& [status, kind] : got) {
      accepted += status == 200 && kind == "accepted";
      duplicate += status == 200 && kind == "duplicate";
      conflict += status == 409;
    }
    EXPECT_EQ(accepted, 1) << "seq " << seq;
    if (seq <= kConflicting) {
      EXPECT_EQ(conflict, 1) << "seq " << seq;
      ++quarantined;
    } else {
      EXPECT_EQ(duplicate, 1) << "seq " << seq;
    }
  }
  EXPECT_EQ(Count(*store, "quarantine/v1/"), 2 * quarantined);
  // Each manifest names one collector, and both collectors wrote some.
  std::map<std::string, int> by_collector;
  ASSERT_TRUE(
      objectstore::ListAll(*store, "accepted/v1/", "", [&](const objectstore::ObjectInfo& o) {
        by_collector[json::parse(*store->Get(o.key))["collector"]]++;
        return true;
      }).ok());
  EXPECT_EQ(by_collector["a"] + by_collector["b"], static_cast<int>(kBatches));
}

}  // namespace
}  // namespace lm::testing
