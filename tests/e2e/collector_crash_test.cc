// Crash test: several clients send batches to lm-collector (local_spool mode, landing to a
// filesystem object store) while the collector is killed with SIGKILL at random moments and
// restarted. Every batch a client saw acknowledged must be in the spool after the last
// restart, exactly once, with the acknowledged bytes, and landed in the object store.
//
// LM_CRASH_KILLS sets the number of kills (default 20).
#include <signal.h>

#include <atomic>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "collector/spool/spool.h"
#include "common/clock.h"
#include "common/sha256.h"
#include "objectstore/fs/fs_object_store.h"
#include "objectstore/manifest.h"
#include "objectstore/object_layout.h"
#include "protocol/batch_codec.h"
#include "tests/e2e/e2e_env.h"

namespace lm::testing {
namespace {

int KillsFromEnv() {
  const char* v = std::getenv("LM_CRASH_KILLS");
  return v != nullptr && std::atoi(v) > 0 ? std::atoi(v) : 20;
}

std::string Key(const protocol::BatchIdentity& id) {
  return fmt::format("{}/{}-{}", id.boot_id, id.seq_start, id.seq_end);
}

TEST(CollectorCrashTest, NothingAcknowledgedIsLostOrDoubledAcrossKills) {
  const int kills = KillsFromEnv();
  E2eEnv env;
  env.SetIngestExtra("object_landing_interval_ms = 50");
  env.SetServerExtra("", fmt::format("[object_store]\ntype = \"filesystem\"\npath = \"{}\"\n",
                                     env.Path("objects")));
  env.StartCollector();
  env.PinIngestPort();

  std::mutex mu;
  std::map<std::string, std::string> acked;  // identity -> sha256 of the acknowledged frame
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> attempts{0};
  auto client = [&](int n) {
    const std::string boot = fmt::format("storm-{}", n);
    const int64_t base = NowUnixNanos();
    for (uint64_t seq = 1; !stop.load();) {
      protocol::Batch b;
      b.identity = {E2eEnv::kAgentId, boot, seq, seq};
      protocol::MetricSeries s;
      s.name = "storm_value";
      s.labels = {{"client", std::to_string(n)}};
      for (int i = 0; i < 20; ++i) {
        s.samples.push_back({base + static_cast<int64_t>(seq * 100 + i) * 1000, double(seq)});
      }
      b.series.push_back(s);
      const std::string frame = protocol::EncodeBatchFrame(b);
      // Retry the same bytes until acknowledged, as the agent does.
      while (!stop.load()) {
        attempts++;
        HttpResult r = env.PostFrame(frame, seq, seq);
        if (r.status == 200) {
          std::lock_guard lock(mu);
          acked[Key(b.identity)] = Sha256Hex(frame);
          break;
        }
        ASSERT_TRUE(r.status == 0 || r.status == 503) << r.status << " " << r.body;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      ++seq;
    }
  };
  std::vector<std::thread> clients;
  for (int n = 0; n < 4; ++n) clients.emplace_back(client, n);

  std::mt19937 rng(99);
  for (int k = 0; k < kills; ++k) {
    std::this_thread::sleep_for(std::chrono::milliseconds(150 + rng() % 400));
    env.collector_process()->Signal(SIGKILL);
    EXPECT_EQ(env.collector_process()->Wait(), 128 + SIGKILL);
    env.StartCollector();
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  stop = true;
  for (auto& t : clients) t.join();

  env.StopCollector();
  std::map<std::string, std::vector<std::string>> spooled;  // identity -> digests
  ASSERT_TRUE(collector::ScanSpool(env.Path("state/spool"), [&](int64_t, std::string_view frame) {
                auto batch = protocol::DecodeBatchFrame(frame, protocol::AcceptedFrameLimits());
                ASSERT_TRUE(batch.ok());
                spooled[Key(batch->identity)].push_back(Sha256Hex(frame));
              }).ok());
  uint64_t present = 0;
  uint64_t lost = 0;
  uint64_t duplicated = 0;
  uint64_t wrong = 0;
  for (const auto& [id, sha] : acked) {
    auto it = spooled.find(id);
    if (it == spooled.end()) {
      ++lost;
      continue;
    }
    ++present;
    if (it->second.size() > 1) duplicated += it->second.size() - 1;
    if (it->second[0] != sha) ++wrong;
  }
  for (const auto& [id, shas] : spooled) {
    if (!acked.count(id) && shas.size() > 1) duplicated += shas.size() - 1;
  }
  // Landed: every spooled identity gets one manifest naming the spooled bytes. Landing may
  // lag behind a storm: a last collector run catches up.
  auto store = objectstore::FsObjectStore::Open(env.Path("objects"));
  auto manifests = [&] {
    size_t n = 0;
    EXPECT_TRUE(objectstore::ListAll(**store, objectstore::kAcceptedPrefix, "",
                                     [&](const objectstore::ObjectInfo&) {
                                       ++n;
                                       return true;
                                     })
                    .ok());
    return n;
  };
  env.StartCollector();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(2);
  while (manifests() < spooled.size() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  env.StopCollector();
  uint64_t landed = 0;
  ASSERT_TRUE(objectstore::ListAll(**store, objectstore::kAcceptedPrefix, "",
                                   [&](const objectstore::ObjectInfo& o) {
                                     auto m = objectstore::DecodeManifest(*(*store)->Get(o.key));
                                     EXPECT_TRUE(m.ok());
                                     auto it = spooled.find(Key(m->identity));
                                     EXPECT_NE(it, spooled.end());
                                     if (it != spooled.end()) {
                                       EXPECT_EQ(it->second[0], m->sha256);
                                     }
                                     ++landed;
                                     return true;
                                   })
                  .ok());
  std::printf(
      "collector crash: %d kills, %llu requests; acked %zu / present %llu / lost %llu / "
      "duplicated %llu; spooled %zu, landed %llu\n",
      kills, static_cast<unsigned long long>(attempts.load()), acked.size(),
      static_cast<unsigned long long>(present), static_cast<unsigned long long>(lost),
      static_cast<unsigned long long>(duplicated), spooled.size(),
      static_cast<unsigned long long>(landed));
  EXPECT_GT(acked.size(), static_cast<size_t>(kills));
  EXPECT_EQ(lost, 0u);
  EXPECT_EQ(duplicated, 0u);
  EXPECT_EQ(wrong, 0u);
  EXPECT_EQ(landed, spooled.size());
}

}  // namespace
}  // namespace lm::testing
