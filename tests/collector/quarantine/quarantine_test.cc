#include "collector/quarantine/quarantine.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "objectstore/fs/fs_object_store.h"
#include "tests/common/temp_dir.h"

namespace lm::collector {
namespace {

using ::testing::HasSubstr;

class QuarantineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::move(objectstore::FsObjectStore::Open(dir_.Path("q")).value());
  }
  TempDir dir_;
  std::unique_ptr<objectstore::FsObjectStore> store_;
};

TEST_F(QuarantineTest, AddListShowResolve) {
  Quarantine q(store_.get(), "c1");
  const protocol::BatchIdentity id{"host/a", "boot-1", 3, 4};
  const std::string sha(64, 'b');
  ASSERT_TRUE(q.Add(id, "frame bytes", sha, std::string(64, 'a'), "identity conflict").ok());
  ASSERT_TRUE(q.Add(id, "frame bytes", sha, std::string(64, 'a'), "again").ok());  // idempotent
  auto list = q.List(100);
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  ASSERT_EQ(list->size(), 1u);
  const QuarantineEntry& e = (*list)[0];
  EXPECT_EQ(e.identity, id);
  EXPECT_EQ(e.sha256, sha);
  EXPECT_EQ(e.accepted_sha256, std::string(64, 'a'));
  EXPECT_EQ(e.frame_bytes, 11u);
  EXPECT_EQ(e.collector, "c1");
  EXPECT_EQ(e.reason, "identity conflict");
  EXPECT_GT(e.received_unix_ms, 0);
  EXPECT_EQ(e.id, "host_2Fa/boot-1/00000000000000000003-00000000000000000004/" + sha);

  auto shown = q.Get(e.id);
  ASSERT_TRUE(shown.ok());
  EXPECT_EQ(shown->identity, id);
  EXPECT_EQ(*q.Frame(e.id), "frame bytes");

  ASSERT_TRUE(q.Resolve(e.id).ok());
  EXPECT_TRUE(q.List(100)->empty());
  EXPECT_EQ(q.Resolve(e.id).code(), StatusCode::kNotFound);
  EXPECT_EQ(q.Get(e.id).error().code(), StatusCode::kNotFound);
}

TEST_F(QuarantineTest, MalformedIdsAreRefused) {
  Quarantine q(store_.get(), "c1");
  for (const char* id : {"", "a/b/c", "a/b/c/d/e", "a/../c/d", "/a/b/c", "a//b/c"}) {
    EXPECT_EQ(q.Resolve(id).code(), StatusCode::kInvalidArgument) << id;
    EXPECT_EQ(q.Get(id).error().code(), StatusCode::kInvalidArgument) << id;
  }
}

TEST_F(QuarantineTest, AnEntryWithoutMetadataStillListsAndResolves) {
  Quarantine q(store_.get(), "c1");
  const protocol::BatchIdentity id{"h", "b", 1, 1};
  ASSERT_TRUE(q.Add(id, "x", std::string(64, 'c'), "", "conflict").ok());
  auto list = q.List(10);
  ASSERT_EQ(list->size(), 1u);
  ASSERT_TRUE(store_->Delete("quarantine/v1/" + (*list)[0].id + ".json").ok());
  list = q.List(10);
  ASSERT_EQ(list->size(), 1u);
  EXPECT_THAT((*list)[0].reason, HasSubstr("metadata unreadable"));
  EXPECT_TRUE(q.Resolve((*list)[0].id).ok());
  EXPECT_TRUE(q.List(10)->empty());
}

}  // namespace
}  // namespace lm::collector
