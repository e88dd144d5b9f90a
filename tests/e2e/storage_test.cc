// End to end: acceptance modes and the filesystem object store with the real binaries.
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "objectstore/fs/fs_object_store.h"
#include "objectstore/object_layout.h"
#include "protocol/batch_codec.h"
#include "tests/e2e/e2e_env.h"

namespace lm::testing {
namespace {

using nlohmann::json;

json Parse(const HttpResult& r) {
  json j = json::parse(r.body, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << r.status << " " << r.body << " " << r.error;
  return j;
}

// The same (seq, value) always gives the same bytes: the sample time is fixed per run.
std::string Frame(uint64_t seq, double value, const std::string& boot = "e2e-boot") {
  static const int64_t base = NowUnixNanos() - 60'000'000'000;
  protocol::Batch b;
  b.identity = {E2eEnv::kAgentId, boot, seq, seq};
  protocol::MetricSeries s;
  s.name = "e2e_value";
  s.samples = {{base + static_cast<int64_t>(seq) * 1'000'000'000, value}};
  b.series.push_back(s);
  return protocol::EncodeBatchFrame(b);
}

size_t CountKeys(const std::string& root, std::string_view prefix) {
  auto store = objectstore::FsObjectStore::Open(root);
  size_t n = 0;
  EXPECT_TRUE(objectstore::ListAll(**store, prefix, "", [&](const objectstore::ObjectInfo&) {
                ++n;
                return true;
              }).ok());
  return n;
}

// Waits up to 20 s for `pred`.
template <typename Pred>
bool WaitFor(Pred pred) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return pred();
}

std::string FsStore(const E2eEnv& env, const std::string&, uint32_t reconcile_ms = 0) {
  return fmt::format(
      "[object_store]\ntype = \"filesystem\"\npath = \"{}\"\nreconcile_interval_ms = {}\n",
      env.Path("objects"), reconcile_ms);
}

TEST(StorageTest, LocalSpoolLandsInTheFilesystemStoreAndSurvivesRestart) {
  E2eEnv env;
  env.SetIngestExtra("object_landing_interval_ms = 100");
  env.SetServerExtra("collector_id = \"c-one\"", FsStore(env, "local_spool"));
  env.StartCollector();
  for (uint64_t seq = 1; seq <= 5; ++seq) {
    auto r = env.PostFrame(Frame(seq, static_cast<double>(seq)), seq, seq);
    ASSERT_EQ(r.status, 200) << r.body << r.error;
    EXPECT_EQ(Parse(r)["status"], "accepted");
  }
  // A pass may be between a manifest and its indexes: wait for all of them.
  ASSERT_TRUE(WaitFor([&] {
    for (const char* prefix : {"accepted/v1/", "raw/v1/", "index/v1/accepted-by-time/",
                               "index/v1/accepted-by-blob/", "index/v1/raw-by-time/"}) {
      if (CountKeys(env.Path("objects"), prefix) != 5) return false;
    }
    return Parse(env.QueryPath("/api/v1/admin/landing"))["data"]["landed"] == 5;
  })) << env.CollectorLog();
  json landing = Parse(env.QueryPath("/api/v1/admin/landing"));
  EXPECT_EQ(landing["data"]["state"], "ok");

  auto manifest = objectstore::FsObjectStore::Open(env.Path("objects"));
  auto text =
      (*manifest)->Get(objectstore::AcceptedManifestKey({E2eEnv::kAgentId, "e2e-boot", 3, 3}));
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(json::parse(*text)["collector"], "c-one");

  env.StopCollector();
  env.StartCollector();
  // The marker says everything is landed: nothing is written again.
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  json after = Parse(env.QueryPath("/api/v1/admin/landing"));
  EXPECT_EQ(after["data"]["landed"], 0) << after.dump();
  EXPECT_EQ(Parse(env.PostFrame(Frame(3, 3), 3, 3))["status"], "duplicate");
  auto q = Parse(env.Query("query=e2e_value"));
  EXPECT_EQ(q["data"]["result"].size(), 1u);
}

TEST(StorageTest, ConflictsAreQuarantinedAndResolvedByTheCli) {
  E2eEnv env;
  env.StartCollector();  // no object store: the quarantine lives in state_dir
  ASSERT_EQ(env.PostFrame(Frame(1, 1), 1, 1).status, 200);
  auto conflict = env.PostFrame(Frame(1, 2), 1, 1);
  EXPECT_EQ(conflict.status, 409);
  json list = Parse(env.QueryPath("/api/v1/admin/quarantine"));
  ASSERT_EQ(list["data"]["entries"].size(), 1u) << list.dump();
  const std::string id = list["data"]["entries"][0]["id"];
  EXPECT_EQ(list["data"]["entries"][0]["seq_start"], 1);
  json shown = Parse(env.QueryPath("/api/v1/admin/quarantine/entry?id=" + id));
  EXPECT_EQ(shown["data"]["batch"]["series"], 1) << shown.dump();
  EXPECT_EQ(env.QueryPath("/api/v1/admin/quarantine/entry?id=a/b").status, 400);
  EXPECT_EQ(env.QueryPath("/api/v1/admin/quarantine/entry?id=a/b/c/d").status, 404);
  EXPECT_EQ(env.QueryPath("/api/v1/admin/quarantine", "GET").status, 200);
  HttpRequest no_token;
  no_token.url = fmt::format("http://127.0.0.1:{}/api/v1/admin/quarantine", env.query_port());
  EXPECT_EQ(HttpDo(no_token).status, 401);

  const std::string config = env.Path("server.toml");
  EXPECT_EQ(RunToExit({env.Bin("lm-collector"), "quarantine", "list", "--config", config},
                      env.Path("cli.log")),
            0);
  EXPECT_EQ(RunToExit({env.Bin("lm-collector"), "quarantine", "resolve", "--config", config, "--id",
                       id, "--export", env.Path("exported.frame")},
                      env.Path("cli.log")),
            0);
  struct stat st;
  ASSERT_EQ(::stat(env.Path("exported.frame").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_TRUE(Parse(env.QueryPath("/api/v1/admin/quarantine"))["data"]["entries"].empty());
  EXPECT_NE(
      RunToExit({env.Bin("lm-collector"), "quarantine", "resolve", "--config", config, "--id", id},
                env.Path("cli.log")),
      0);
}

TEST(StorageTest, S3ManifestModeAcknowledgesAfterTheManifestAndDetectsConflicts) {
  E2eEnv env;
  env.SetIngestExtra("acceptance = \"s3_manifest\"");
  env.SetServerExtra("", FsStore(env, "s3_manifest"));
  env.StartCollector();
  auto r = env.PostFrame(Frame(7, 1), 7, 7);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Parse(r)["status"], "accepted");
  // Acknowledged means the manifest exists now, not after a landing pass.
  EXPECT_EQ(CountKeys(env.Path("objects"), "accepted/v1/"), 1u);
  EXPECT_EQ(Parse(env.PostFrame(Frame(7, 1), 7, 7))["status"], "duplicate");
  auto conflict = env.PostFrame(Frame(7, 2), 7, 7);
  EXPECT_EQ(conflict.status, 409) << conflict.body;
  // With an object store the quarantine lives there.
  EXPECT_EQ(CountKeys(env.Path("objects"), "quarantine/v1/"), 2u);  // frame + metadata
  EXPECT_EQ(Parse(env.QueryPath("/api/v1/admin/quarantine"))["data"]["entries"].size(), 1u);
}

TEST(StorageTest, ASecondCollectorLoadsWhatTheFirstAcceptedAndAnswersDuplicate) {
  E2eEnv first;
  first.SetIngestExtra("acceptance = \"s3_manifest\"");
  const std::string store = FsStore(first, "s3_manifest");
  first.SetServerExtra("collector_id = \"first\"", store);
  first.StartCollector();
  ASSERT_EQ(first.PostFrame(Frame(1, 11), 1, 1).status, 200);
  ASSERT_EQ(first.PostFrame(Frame(2, 12), 2, 2).status, 200);

  E2eEnv second;
  second.SetIngestExtra("acceptance = \"s3_manifest\"");
  second.SetServerExtra("collector_id = \"second\"", store);
  second.StartCollector();
  auto q = Parse(second.Query("query=e2e_value"));
  ASSERT_EQ(q["data"]["result"].size(), 1u) << q.dump();
  EXPECT_EQ(q["data"]["result"][0]["value"][1], "12");
  auto dup = second.PostFrame(Frame(1, 11), 1, 1);
  EXPECT_EQ(Parse(dup)["status"], "duplicate") << dup.body;
  auto text = (*objectstore::FsObjectStore::Open(first.Path("objects")))
                  ->Get(objectstore::AcceptedManifestKey({E2eEnv::kAgentId, "e2e-boot", 1, 1}));
  EXPECT_EQ(json::parse(*text)["collector"], "first");
}

TEST(StorageTest, IndexLossIsRepairedByReconciliation) {
  E2eEnv env;
  env.SetIngestExtra("acceptance = \"s3_manifest\"");
  env.SetServerExtra("", FsStore(env, "s3_manifest", 1000));
  env.StartCollector();
  for (uint64_t seq = 1; seq <= 4; ++seq)
    ASSERT_EQ(env.PostFrame(Frame(seq, 1), seq, seq).status, 200);
  std::filesystem::remove_all(env.Path("objects/index/v1/accepted-by-time"));
  std::filesystem::remove_all(env.Path("objects/index/v1/raw-by-time"));
  ASSERT_TRUE(WaitFor([&] {
    json j = Parse(env.QueryPath("/api/v1/object-store/reconciliation"));
    return j["data"]["repairs"] == 8;
  })) << Parse(env.QueryPath("/api/v1/object-store/reconciliation")).dump();
  EXPECT_EQ(CountKeys(env.Path("objects"), "index/v1/accepted-by-time/"), 4u);
  EXPECT_EQ(CountKeys(env.Path("objects"), "index/v1/raw-by-time/"), 4u);

  std::filesystem::remove_all(env.Path("objects/index/v1/accepted-by-blob"));
  EXPECT_EQ(RunToExit({env.Bin("lm-collector"), "reconcile", "--config", env.Path("server.toml")},
                      env.Path("reconcile.log")),
            0);
  EXPECT_EQ(CountKeys(env.Path("objects"), "index/v1/accepted-by-blob/"), 4u);
}

}  // namespace
}  // namespace lm::testing
