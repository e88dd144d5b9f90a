// The S3 store against a real RADOS Gateway (tests/s3/rgw-up.sh).
#include "objectstore/s3/s3_object_store.h"

#include <atomic>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/common/rgw_server.h"

namespace lm::objectstore {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

testing::RgwServer* g_rgw = nullptr;

class RgwEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    g_rgw = new testing::RgwServer();
    std::string error = g_rgw->Start();
    ASSERT_TRUE(error.empty()) << error;
  }
  void TearDown() override {
    delete g_rgw;
    g_rgw = nullptr;
  }
};

const auto* const kRgwEnv = ::testing::AddGlobalTestEnvironment(new RgwEnvironment);

S3Options Options(std::string bucket, std::string prefix = "") {
  S3Options o;
  o.endpoint = g_rgw->endpoint();
  o.bucket = std::move(bucket);
  o.prefix = std::move(prefix);
  o.credentials = {testing::RgwServer::kAccessKey, testing::RgwServer::kSecretKey, ""};
  o.backoff_initial_ms = 10;
  o.backoff_max_ms = 20;
  return o;
}

std::unique_ptr<S3ObjectStore> Store(std::string bucket, std::string prefix = "") {
  auto s = S3ObjectStore::Create(Options(std::move(bucket), std::move(prefix)));
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_TRUE((*s)->EnsureBucket().ok());
  return std::move(s).value();
}

std::vector<std::string> Keys(const ListPage& page) {
  std::vector<std::string> out;
  for (const ObjectInfo& o : page.objects) out.push_back(o.key);
  return out;
}

TEST(S3ObjectStoreTest, PutGetHeadDelete) {
  auto store = Store("basic");
  ASSERT_TRUE(store->CheckBucket().ok());
  ASSERT_TRUE(store->Put("a/b.json", "hello").ok());
  auto got = store->Get("a/b.json");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, "hello");
  auto head = store->Head("a/b.json");
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->size, 5u);
  std::string big(3 << 20, 'x');
  ASSERT_TRUE(store->Put("big", big).ok());
  EXPECT_EQ(*store->Get("big"), big);
  ASSERT_TRUE(store->Delete("a/b.json").ok());
  EXPECT_EQ(store->Get("a/b.json").error().code(), StatusCode::kNotFound);
  EXPECT_EQ(store->Head("a/b.json").error().code(), StatusCode::kNotFound);
  EXPECT_TRUE(store->Delete("a/b.json").ok());
}

TEST(S3ObjectStoreTest, CreateIsConditionalAndOneOfManyRacersWins) {
  auto store = Store("conditional");
  ASSERT_TRUE(store->Create("k", "first").ok());
  Status again = store->Create("k", "second");
  EXPECT_EQ(again.code(), StatusCode::kAlreadyExists) << again.ToString();
  EXPECT_EQ(*store->Get("k"), "first");

  std::atomic<int> wins{0};
  std::atomic<int> exists{0};
  std::atomic<int> other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 24; ++i) {
    threads.emplace_back([&, i] {
      Status s = store->Create("race", "writer " + std::to_string(i));
      if (s.ok()) {
        wins++;
      } else if (s.code() == StatusCode::kAlreadyExists) {
        exists++;
      } else {
        other++;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wins.load(), 1);
  EXPECT_EQ(exists.load(), 23);
  EXPECT_EQ(other.load(), 0);
}

TEST(S3ObjectStoreTest, ListPagesWithinThePrefix) {
  auto store = Store("listing", "tenant/x");
  auto other = Store("listing");  // the same bucket without a prefix
  ASSERT_TRUE(other->Put("outside", "o").ok());
  for (const char* k : {"a/b", "a-c", "a/a/z", "b", "a/b0", "ab", "sp ace+é~"}) {
    ASSERT_TRUE(store->Put(k, k).ok()) << k;
  }
  std::vector<std::string> all;
  ListRequest request;
  request.max_keys = 2;
  int pages = 0;
  do {
    auto page = store->List(request);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    for (auto& k : Keys(*page)) all.push_back(k);
    request.continuation = page->continuation;
    ++pages;
  } while (!request.continuation.empty());
  EXPECT_THAT(all, ElementsAre("a-c", "a/a/z", "a/b", "a/b0", "ab", "b", "sp ace+é~"));
  EXPECT_EQ(pages, 4);
  ListRequest under_a;
  under_a.prefix = "a/";
  EXPECT_THAT(Keys(*store->List(under_a)), ElementsAre("a/a/z", "a/b", "a/b0"));
  ListRequest after;
  after.start_after = "a/b";
  EXPECT_THAT(Keys(*store->List(after)), ElementsAre("a/b0", "ab", "b", "sp ace+é~"));
  EXPECT_EQ(*store->Get("sp ace+é~"), "sp ace+é~");
  auto outside = other->List(ListRequest{});
  ASSERT_TRUE(outside.ok());
  EXPECT_EQ(outside->objects.size(), 8u);  // the prefixed keys and "outside"
}

TEST(S3ObjectStoreTest, VirtualHostStyle) {
  S3Options o = Options("vhost");
  o.endpoint = "http://localhost:" + std::to_string(g_rgw->port());
  auto path_store = Store("vhost");
  o.path_style = false;
  auto store = S3ObjectStore::Create(o);
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->Put("v/key", "vh").ok());
  EXPECT_EQ(*path_store->Get("v/key"), "vh");
}

TEST(S3ObjectStoreTest, WrongSecretIsPermissionDenied) {
  S3Options o = Options("basic");
  o.credentials.secret_access_key = "wrong";
  auto store = S3ObjectStore::Create(o);
  ASSERT_TRUE(store.ok());
  Status s = (*store)->Put("x", "y");
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied) << s.ToString();
  EXPECT_THAT(s.message(), HasSubstr("SignatureDoesNotMatch"));
}

TEST(S3ObjectStoreTest, UnreachableEndpointIsUnavailableAfterRetries) {
  S3Options o = Options("basic");
  o.endpoint = "http://127.0.0.1:" + std::to_string(testing::FreeLoopbackPort());
  o.max_attempts = 3;
  auto store = S3ObjectStore::Create(o);
  ASSERT_TRUE(store.ok());
  Status s = (*store)->Put("x", "y");
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_THAT(s.message(), HasSubstr("after 3 attempts"));
  EXPECT_EQ((*store)->List(ListRequest{}).error().code(), StatusCode::kUnavailable);
}

TEST(S3ObjectStoreTest, BadOptionsAreRefused) {
  S3Options o = Options("basic");
  o.endpoint = "ftp://x";
  EXPECT_EQ(S3ObjectStore::Create(o).error().code(), StatusCode::kInvalidArgument);
  o = Options("Bad_Bucket");
  EXPECT_EQ(S3ObjectStore::Create(o).error().code(), StatusCode::kInvalidArgument);
  o = Options("basic");
  o.endpoint = "http://host/path";
  EXPECT_EQ(S3ObjectStore::Create(o).error().code(), StatusCode::kInvalidArgument);
  o = Options("basic");
  o.credentials = {};
  EXPECT_EQ(S3ObjectStore::Create(o).error().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace lm::objectstore
