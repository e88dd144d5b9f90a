#include "objectstore/fs/fs_object_store.h"

#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/common/temp_dir.h"

namespace lm::objectstore {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

ListRequest Req(std::string prefix, std::string start_after = "", size_t max_keys = 1000) {
  ListRequest r;
  r.prefix = std::move(prefix);
  r.start_after = std::move(start_after);
  r.max_keys = max_keys;
  return r;
}

std::vector<std::string> Keys(const ListPage& page) {
  std::vector<std::string> out;
  for (const ObjectInfo& o : page.objects) out.push_back(o.key);
  return out;
}

class FsObjectStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = FsObjectStore::Open(dir_.Path("objects"));
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(s).value();
  }
  TempDir dir_;
  std::unique_ptr<FsObjectStore> store_;
};

TEST_F(FsObjectStoreTest, PutGetHeadDelete) {
  ASSERT_TRUE(store_->Put("a/b/c.json", "hello").ok());
  auto got = store_->Get("a/b/c.json");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, "hello");
  auto head = store_->Head("a/b/c.json");
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->size, 5u);
  ASSERT_TRUE(store_->Put("a/b/c.json", "replaced").ok());
  EXPECT_EQ(*store_->Get("a/b/c.json"), "replaced");
  ASSERT_TRUE(store_->Delete("a/b/c.json").ok());
  EXPECT_EQ(store_->Get("a/b/c.json").error().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->Head("a/b/c.json").error().code(), StatusCode::kNotFound);
  EXPECT_TRUE(store_->Delete("a/b/c.json").ok());                        // absent is fine
  EXPECT_EQ(store_->Head("a/b").error().code(), StatusCode::kNotFound);  // a directory
}

TEST_F(FsObjectStoreTest, CreateIsConditional) {
  ASSERT_TRUE(store_->Create("k/one", "first").ok());
  Status again = store_->Create("k/one", "second");
  EXPECT_EQ(again.code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(*store_->Get("k/one"), "first");
}

TEST_F(FsObjectStoreTest, ExactlyOneOfManyConcurrentCreatorsWins) {
  std::atomic<int> wins{0};
  std::atomic<int> exists{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 16; ++i) {
    threads.emplace_back([&, i] {
      Status s = store_->Create("race/key", "writer " + std::to_string(i));
      if (s.ok()) wins++;
      if (s.code() == StatusCode::kAlreadyExists) exists++;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wins.load(), 1);
  EXPECT_EQ(exists.load(), 15);
}

TEST_F(FsObjectStoreTest, ExactlyOneWinnerAcrossProcesses) {
  const int kProcs = 8;
  std::vector<pid_t> pids;
  for (int i = 0; i < kProcs; ++i) {
    pid_t pid = ::fork();
    if (pid == 0) {
      auto store = FsObjectStore::Open(dir_.Path("objects"));
      Status s = (*store)->Create("race/proc", "process " + std::to_string(i));
      ::_exit(s.ok() ? 0 : s.code() == StatusCode::kAlreadyExists ? 1 : 2);
    }
    pids.push_back(pid);
  }
  int winners = 0;
  int losers = 0;
  for (pid_t pid : pids) {
    int st = 0;
    ::waitpid(pid, &st, 0);
    ASSERT_TRUE(WIFEXITED(st));
    winners += WEXITSTATUS(st) == 0;
    losers += WEXITSTATUS(st) == 1;
  }
  EXPECT_EQ(winners, 1);
  EXPECT_EQ(losers, kProcs - 1);
}

TEST_F(FsObjectStoreTest, ListIsInByteOrderWithPrefixAndPages) {
  // "a-c" sorts before "a/..." ('-' < '/'), as S3 lists them.
  for (const char* k : {"a/b", "a-c", "a/a/z", "b", "a/b0", "ab"}) {
    ASSERT_TRUE(store_->Put(k, k).ok()) << k;
  }
  auto all = store_->List(Req("", "", 1000));
  ASSERT_TRUE(all.ok());
  EXPECT_THAT(Keys(*all), ElementsAre("a-c", "a/a/z", "a/b", "a/b0", "ab", "b"));
  EXPECT_TRUE(all->continuation.empty());

  auto under_a = store_->List(Req("a/", "", 1000));
  EXPECT_THAT(Keys(*under_a), ElementsAre("a/a/z", "a/b", "a/b0"));
  auto partial_segment = store_->List(Req("a/b", "", 1000));
  EXPECT_THAT(Keys(*partial_segment), ElementsAre("a/b", "a/b0"));
  auto a_prefix = store_->List(Req("a", "", 1000));
  EXPECT_THAT(Keys(*a_prefix), ElementsAre("a-c", "a/a/z", "a/b", "a/b0", "ab"));

  // Pages of two, resumed from next_start_after.
  std::vector<std::string> paged;
  ListRequest request = Req("", "", 2);
  int pages = 0;
  do {
    auto page = store_->List(request);
    ASSERT_TRUE(page.ok());
    for (auto& k : Keys(*page)) paged.push_back(k);
    request.continuation = page->continuation;
    ++pages;
  } while (!request.continuation.empty());
  EXPECT_EQ(paged, Keys(*all));
  EXPECT_EQ(pages, 3);

  auto after_key = store_->List(Req("", "a/a/z", 1000));
  EXPECT_THAT(Keys(*after_key), ElementsAre("a/b", "a/b0", "ab", "b"));
  EXPECT_TRUE(store_->List(Req("zz/", "", 10))->objects.empty());
  EXPECT_FALSE(store_->List(Req("", "", 0)).ok());
}

TEST_F(FsObjectStoreTest, TempFilesAreInvisibleAndStaleOnesCleanedUp) {
  ASSERT_TRUE(store_->Put("d/real", "x").ok());
  std::ofstream(dir_.Path("objects/d/.tmp-crashed")) << "partial";
  std::ofstream(dir_.Path("objects/d/.tmp-in-progress")) << "partial";
  // The crashed write is two hours old; the other one is being written now.
  struct timeval old[2] = {{::time(nullptr) - 7200, 0}, {::time(nullptr) - 7200, 0}};
  ASSERT_EQ(::utimes(dir_.Path("objects/d/.tmp-crashed").c_str(), old), 0);
  EXPECT_THAT(Keys(*store_->List(Req("", "", 100))), ElementsAre("d/real"));
  auto removed = store_->RemoveStaleTempFiles(3600);
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(*removed, 1u);
  struct stat st;
  EXPECT_NE(::stat(dir_.Path("objects/d/.tmp-crashed").c_str(), &st), 0);
  EXPECT_EQ(::stat(dir_.Path("objects/d/.tmp-in-progress").c_str(), &st), 0);
}

TEST_F(FsObjectStoreTest, BadKeysAreRefused) {
  for (const char* k : {"", "/abs", "trail/", "a//b", "a/../b", "./a", "a/.tmp-x", "ctl\x01"}) {
    Status s = store_->Put(k, "x");
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << k;
    EXPECT_THAT(s.message(), HasSubstr("object key")) << k;
  }
  EXPECT_EQ(store_->Put(std::string(1025, 'a'), "x").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->Put("bad\xff", "x").code(), StatusCode::kInvalidArgument);
}

TEST(FsObjectStoreOpenTest, RootThatIsAFileIsAnError) {
  TempDir dir;
  std::ofstream(dir.Path("file")) << "x";
  auto s = FsObjectStore::Open(dir.Path("file"));
  EXPECT_FALSE(s.ok());
}

}  // namespace
}  // namespace lm::objectstore
