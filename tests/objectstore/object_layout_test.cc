#include "objectstore/object_layout.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace lm::objectstore {
namespace {

protocol::BatchIdentity Id(std::string agent, std::string boot, uint64_t a, uint64_t b) {
  return {std::move(agent), std::move(boot), a, b};
}

TEST(ObjectLayoutTest, EscapeRoundTripsAndIsCanonical) {
  for (std::string s : {"host-a", "web.01", "a/b", "x_y", "~tilde", ".hidden", "é", "a b"}) {
    std::string e = EscapeSegment(s);
    EXPECT_EQ(e.find('/'), std::string::npos) << s;
    EXPECT_EQ(e.find('~'), std::string::npos) << s;
    auto back = UnescapeSegment(e);
    ASSERT_TRUE(back) << s;
    EXPECT_EQ(*back, s);
  }
  EXPECT_EQ(EscapeSegment("a_b"), "a_5Fb");
  EXPECT_EQ(EscapeSegment(".x"), "_2Ex");
  EXPECT_FALSE(UnescapeSegment("a_4F"));  // 'O' is plain: not canonical
  EXPECT_FALSE(UnescapeSegment("a_zz"));
  EXPECT_FALSE(UnescapeSegment("a_4"));
  EXPECT_FALSE(UnescapeSegment("a/b"));
}

TEST(ObjectLayoutTest, ManifestKeysSortBySequenceAndParseBack) {
  auto id = Id("host-a", "0b6f-uuid", 7, 9);
  std::string key = AcceptedManifestKey(id);
  EXPECT_EQ(key, "accepted/v1/host-a/0b6f-uuid/00000000000000000007-00000000000000000009.json");
  EXPECT_TRUE(key.starts_with(AcceptedBootPrefix("host-a", "0b6f-uuid")));
  auto back = ParseAcceptedManifestKey(key);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, id);
  EXPECT_LT(AcceptedManifestKey(Id("h", "b", 9, 9)), AcceptedManifestKey(Id("h", "b", 10, 10)));
  auto odd = Id("a/b_c", "boot~1", 1, 2);
  EXPECT_EQ(*ParseAcceptedManifestKey(AcceptedManifestKey(odd)), odd);
  EXPECT_FALSE(ParseAcceptedManifestKey("accepted/v1/h/b/1-2.json"));
  EXPECT_FALSE(
      ParseAcceptedManifestKey("accepted/v1/h/b/c/00000000000000000001-00000000000000000002.json"));
  EXPECT_FALSE(ParseAcceptedManifestKey("raw/v1/ab/cd"));
}

TEST(ObjectLayoutTest, TimeIndexKeysPartitionByHourAndParseBack) {
  const int64_t ms = 1796328939896;  // 2026-12-03T20:15:39.896Z
  EXPECT_EQ(HourPartition(ms), "2026120320/");
  auto id = Id("a_b", "x~y", 3, 4);
  std::string key = AcceptedByTimeKey(ms, id);
  EXPECT_TRUE(key.starts_with("index/v1/accepted-by-time/2026120320/1796328939896~"));
  auto back = ParseAcceptedByTimeKey(key);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->accepted_unix_ms, ms);
  EXPECT_EQ(back->identity, id);
  EXPECT_FALSE(
      ParseAcceptedByTimeKey("index/v1/accepted-by-time/2026120321/1796328939896~a~b~"
                             "00000000000000000003-00000000000000000004"));
  EXPECT_LT(AcceptedByTimeKey(999, id), AcceptedByTimeKey(1000, id));
  EXPECT_EQ(RawBlobKey("abcdef"), "raw/v1/ab/abcdef");
  EXPECT_EQ(RawByTimeKey(ms, "ff"), "index/v1/raw-by-time/2026120320/1796328939896~ff");
  EXPECT_EQ(AcceptedByBlobKey("ff", Id("h", "b", 1, 1)),
            "index/v1/accepted-by-blob/ff/h~b~00000000000000000001-00000000000000000001");
}

}  // namespace
}  // namespace lm::objectstore
