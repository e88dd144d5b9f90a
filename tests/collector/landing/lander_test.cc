#include "collector/landing/lander.h"

#include <filesystem>
#include <future>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/file_util.h"
#include "objectstore/fs/fs_object_store.h"
#include "objectstore/object_layout.h"
#include "protocol/batch_codec.h"
#include "tests/common/temp_dir.h"

namespace lm::collector {
namespace {

using ::testing::HasSubstr;

std::string Frame(uint64_t seq, double value) {
  protocol::Batch b;
  b.identity = {"host-a", "boot-1", seq, seq};
  protocol::MetricSeries s;
  s.name = "v";
  s.samples = {{1'700'000'000'000'000'000 + static_cast<int64_t>(seq), value}};
  b.series.push_back(s);
  return protocol::EncodeBatchFrame(b);
}

class LanderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::move(objectstore::FsObjectStore::Open(dir_.Path("objects")).value());
    quarantine_ = std::make_unique<Quarantine>(store_.get(), "c1");
    spool_ = std::move(
        Spool::Open({.dir = dir_.Path("spool")}, [](int64_t, std::string_view) {}).value());
  }
  void Append(uint64_t seq, double value = 1) {
    std::promise<Status> p;
    spool_->Append(1'700'000'000'000 + static_cast<int64_t>(seq), Frame(seq, value),
                   [&](Status s) { p.set_value(s); });
    ASSERT_TRUE(p.get_future().get().ok());
  }
  std::unique_ptr<Lander> Open() {
    auto l = Lander::Open({.spool_dir = dir_.Path("spool"), .collector_id = "c1"}, store_.get(),
                          quarantine_.get());
    EXPECT_TRUE(l.ok()) << l.status().ToString();
    return std::move(l).value();
  }
  size_t Count(std::string_view prefix) {
    size_t n = 0;
    EXPECT_TRUE(objectstore::ListAll(*store_, prefix, "", [&](const objectstore::ObjectInfo&) {
                  ++n;
                  return true;
                }).ok());
    return n;
  }

  TempDir dir_;
  std::unique_ptr<objectstore::FsObjectStore> store_;
  std::unique_ptr<Quarantine> quarantine_;
  SpoolPtr spool_;
};

TEST_F(LanderTest, LandsEveryRecordOnceAndResumesFromTheMarker) {
  for (uint64_t seq = 1; seq <= 3; ++seq) Append(seq);
  auto lander = Open();
  ASSERT_TRUE(lander->RunPass().ok());
  EXPECT_EQ(Count(objectstore::kAcceptedPrefix), 3u);
  EXPECT_EQ(lander->stats().landed, 3u);
  ASSERT_TRUE(lander->RunPass().ok());
  EXPECT_EQ(lander->stats().landed, 3u) << "nothing new";
  Append(4);
  lander.reset();
  auto reopened = Open();
  EXPECT_EQ(reopened->stats().landed_to, (SpoolPosition{1, reopened->stats().landed_to.offset}));
  ASSERT_TRUE(reopened->RunPass().ok());
  EXPECT_EQ(reopened->stats().landed, 1u) << "only the record after the marker";
  EXPECT_EQ(reopened->stats().duplicates, 0u);
  EXPECT_EQ(Count(objectstore::kAcceptedPrefix), 4u);
}

TEST_F(LanderTest, AStoreFailureStopsThePassAndTheNextPassRetries) {
  Append(1);
  Append(2);
  // Make the store fail for real: its root becomes a file.
  std::filesystem::rename(dir_.Path("objects"), dir_.Path("objects.away"));
  ASSERT_TRUE(WriteFileAtomic(dir_.Path("objects"), "not a directory").ok());
  auto lander = Open();
  Status failed = lander->RunPass();
  EXPECT_FALSE(failed.ok());
  EXPECT_EQ(lander->stats().landed, 0u);
  EXPECT_EQ(lander->stats().failed_passes, 1u);
  EXPECT_FALSE(lander->stats().last_error.empty());
  ASSERT_EQ(::unlink(dir_.Path("objects").c_str()), 0);
  std::filesystem::rename(dir_.Path("objects.away"), dir_.Path("objects"));
  ASSERT_TRUE(lander->RunPass().ok());
  EXPECT_EQ(lander->stats().landed, 2u);
  EXPECT_EQ(Count(objectstore::kAcceptedPrefix), 2u);
}

TEST_F(LanderTest, AConflictWithTheStoreGoesToTheQuarantine) {
  // Another collector accepted seq 1 with other bytes.
  auto other = Lander::Open({.spool_dir = dir_.Path("other-spool"), .collector_id = "c2"},
                            store_.get(), quarantine_.get());
  {
    auto other_spool =
        Spool::Open({.dir = dir_.Path("other-spool")}, [](int64_t, std::string_view) {});
    std::promise<Status> p;
    (*other_spool)->Append(1, Frame(1, 99), [&](Status s) { p.set_value(s); });
    ASSERT_TRUE(p.get_future().get().ok());
  }
  ASSERT_TRUE((*other)->RunPass().ok());
  Append(1, 1);
  Append(2, 1);
  auto lander = Open();
  ASSERT_TRUE(lander->RunPass().ok());
  EXPECT_EQ(lander->stats().conflicts, 1u);
  EXPECT_EQ(lander->stats().landed, 1u);
  auto entries = quarantine_->List(10);
  ASSERT_EQ(entries->size(), 1u);
  EXPECT_THAT((*entries)[0].reason, HasSubstr("landing"));
  EXPECT_EQ((*entries)[0].collector, "c1");
}

TEST_F(LanderTest, AnUnreadableMarkerIsAnError) {
  ASSERT_TRUE(WriteFileAtomic(Lander::MarkerPath(dir_.Path("spool")), "{bad").ok());
  auto l = Lander::Open({.spool_dir = dir_.Path("spool")}, store_.get(), quarantine_.get());
  ASSERT_FALSE(l.ok());
  EXPECT_EQ(l.error().code(), StatusCode::kDataLoss);
  EXPECT_THAT(l.error().message(), HasSubstr(".object-landed"));
}

}  // namespace
}  // namespace lm::collector
