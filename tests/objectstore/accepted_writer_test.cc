#include "objectstore/accepted_writer.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "objectstore/fs/fs_object_store.h"
#include "objectstore/object_layout.h"
#include "objectstore/reconciler.h"
#include "tests/common/temp_dir.h"

namespace lm::objectstore {
namespace {

using ::testing::HasSubstr;

class AcceptedWriterTest : public ::testing::Test {
 protected:
  void SetUp() override { store_ = std::move(FsObjectStore::Open(dir_.Path("o")).value()); }

  AcceptedManifest Manifest(uint64_t seq, char digest_char, int64_t ms = 1796328939896) {
    return ManifestWithDigest(seq, std::string(64, digest_char), ms);
  }
  AcceptedManifest ManifestWithDigest(uint64_t seq, std::string digest, int64_t ms) {
    protocol::Batch b;
    b.identity = {"host-a", "boot-1", seq, seq};
    return MakeManifest(b, digest, 3, ms, "c1");
  }
  size_t Count(std::string_view prefix) {
    size_t n = 0;
    EXPECT_TRUE(ListAll(*store_, prefix, "", [&](const ObjectInfo&) {
                  ++n;
                  return true;
                }).ok());
    return n;
  }

  TempDir dir_;
  std::unique_ptr<FsObjectStore> store_;
};

TEST_F(AcceptedWriterTest, FirstWriterAcceptsThenDuplicateThenConflict) {
  auto first = WriteAccepted(*store_, "abc", Manifest(1, 'a'));
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->outcome, WriteOutcome::kAccepted);
  EXPECT_TRUE(first->index_status.ok());
  EXPECT_EQ(*store_->Get(RawBlobKey(std::string(64, 'a'))), "abc");
  EXPECT_EQ(Count(kAcceptedByTimePrefix), 1u);
  EXPECT_EQ(Count(kAcceptedByBlobPrefix), 1u);
  EXPECT_EQ(Count(kRawByTimePrefix), 1u);

  auto dup = WriteAccepted(*store_, "abc", Manifest(1, 'a', 1796328999999));
  ASSERT_TRUE(dup.ok());
  EXPECT_EQ(dup->outcome, WriteOutcome::kDuplicate);
  EXPECT_EQ(dup->existing.accepted_unix_ms, 1796328939896);  // the winner's manifest

  auto conflict = WriteAccepted(*store_, "xyz", Manifest(1, 'b'));
  ASSERT_TRUE(conflict.ok());
  EXPECT_EQ(conflict->outcome, WriteOutcome::kConflict);
  EXPECT_EQ(conflict->existing.sha256, std::string(64, 'a'));
  EXPECT_EQ(Count(kAcceptedPrefix), 1u);
}

TEST_F(AcceptedWriterTest, AnUnreadableExistingManifestIsDataLoss) {
  ASSERT_TRUE(store_->Put(AcceptedManifestKey(Manifest(2, 'a').identity), "garbage").ok());
  auto r = WriteAccepted(*store_, "abc", Manifest(2, 'a'));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), StatusCode::kDataLoss);
}

TEST_F(AcceptedWriterTest, ReconciliationRebuildsLostIndexEntries) {
  for (uint64_t seq = 1; seq <= 30; ++seq) {
    // A frame holds its identity: every identity has its own digest.
    ASSERT_TRUE(WriteAccepted(*store_, "f" + std::to_string(seq),
                              ManifestWithDigest(seq, fmt::format("{:064x}", seq * 7919),
                                                 1796328939896 + static_cast<int64_t>(seq)))
                    .ok());
  }
  const size_t time_entries = Count(kAcceptedByTimePrefix);
  const size_t blob_entries = Count(kAcceptedByBlobPrefix);
  const size_t raw_entries = Count(kRawByTimePrefix);
  EXPECT_EQ(time_entries, 30u);
  // Lose some entries of every index.
  size_t dropped = 0;
  for (std::string_view prefix : {kAcceptedByTimePrefix, kAcceptedByBlobPrefix, kRawByTimePrefix}) {
    std::vector<std::string> keys;
    ASSERT_TRUE(ListAll(*store_, prefix, "", [&](const ObjectInfo& o) {
                  keys.push_back(o.key);
                  return true;
                }).ok());
    for (size_t i = 0; i < keys.size(); i += 3) {
      ASSERT_TRUE(store_->Delete(keys[i]).ok());
      ++dropped;
    }
  }
  Reconciler reconciler(store_.get());
  EXPECT_EQ(reconciler.LastReport().state, ReconcileReport::State::kNever);
  ReconcileReport r = reconciler.RunOnce();
  EXPECT_EQ(r.state, ReconcileReport::State::kOk)
      << (r.error_samples.empty() ? "" : r.error_samples[0]);
  EXPECT_EQ(r.manifests_scanned, 30u);
  EXPECT_EQ(r.repairs, dropped);
  EXPECT_EQ(Count(kAcceptedByTimePrefix), time_entries);
  EXPECT_EQ(Count(kAcceptedByBlobPrefix), blob_entries);
  EXPECT_EQ(Count(kRawByTimePrefix), raw_entries);
  EXPECT_EQ(reconciler.LastReport().state, ReconcileReport::State::kOk);
  ReconcileReport again = reconciler.RunOnce();
  EXPECT_EQ(again.repairs, 0u);
}

TEST_F(AcceptedWriterTest, ReconciliationReportsUnreadableManifestsAsPartial) {
  ASSERT_TRUE(WriteAccepted(*store_, "abc", Manifest(1, 'a')).ok());
  protocol::BatchIdentity id{"host-a", "boot-1", 2, 2};
  ASSERT_TRUE(store_->Put(AcceptedManifestKey(id), "not json").ok());
  Reconciler reconciler(store_.get());
  ReconcileReport r = reconciler.RunOnce();
  EXPECT_EQ(r.state, ReconcileReport::State::kPartial);
  EXPECT_EQ(r.errors, 1u);
  ASSERT_EQ(r.error_samples.size(), 1u);
  EXPECT_THAT(r.error_samples[0], HasSubstr("accepted manifest"));
}

}  // namespace
}  // namespace lm::objectstore
