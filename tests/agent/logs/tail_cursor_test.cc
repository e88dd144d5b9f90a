#include "agent/logs/tail_cursor.h"

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace lm::agent::logs {
namespace {

using ::testing::HasSubstr;

TailCursor TwoInputs() {
  TailCursor c;
  c.mutable_positions()[TailCursor::Key("app", "/var/log/app.log")] = {
      .dev = 2049,
      .ino = 1234567,
      .offset = 100,
      .fingerprint_len = 64,
      .fingerprint = 0xfedcba9876543210ull};
  c.mutable_positions()[TailCursor::Key("sys.log-1", "/var/log/syslog")] = {
      .dev = ~0ull, .ino = ~0ull - 1, .offset = ~0ull, .fingerprint_len = 0, .fingerprint = 0};
  return c;
}

TEST(TailCursorTest, KeyJoinsNameAndPathWithANewline) {
  EXPECT_EQ(TailCursor::Key("app", "/a/b.log"), "app\n/a/b.log");
}

TEST(TailCursorTest, EncodeDecodeRoundTrip) {
  TailCursor c = TwoInputs();
  std::string text = c.Encode();
  EXPECT_THAT(text, HasSubstr("\"v\":2"));
  EXPECT_THAT(text, HasSubstr("\"fp\":\"fedcba9876543210\""));
  Result<TailCursor> back = TailCursor::Decode(text);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, c);
  EXPECT_EQ(back->Encode(), text);

  Result<TailCursor> empty = TailCursor::Decode(TailCursor().Encode());
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->positions().empty());
}

TEST(TailCursorTest, EmptyTextIsAnEmptyCursor) {
  Result<TailCursor> c = TailCursor::Decode("");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(*c, TailCursor());
}

TEST(TailCursorTest, DecodeRejectsGarbage) {
  const std::string good = R"({"v":1,"inputs":[{"name":"a","path":"/p","dev":1,"ino":2,)"
                           R"("offset":3,"fp_len":3,"fp":"00000000000000ff"}]})";
  ASSERT_TRUE(TailCursor::Decode(good).ok());
  auto with = [&](std::string_view from, std::string_view to) {
    std::string text = good;
    size_t at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return text.replace(at, from.size(), to);
  };
  const std::string bad[] = {
      "nope",
      "[]",
      "{}",
      "\xff\xfe",
      good.substr(0, good.size() - 2),
      with("\"v\":1", "\"v\":3"),
      with("\"v\":1", "\"v\":\"1\""),
      with("\"inputs\":[", "\"inputs\":{\"x\":[") + "}",
      with("[{", "[1,{"),
      with("\"dev\":1", "\"dev\":-1"),
      with("\"ino\":2", "\"ino\":2.5"),
      with("\"offset\":3", "\"offset\":\"3\""),
      with(",\"path\":\"/p\"", ""),
      with("\"name\":\"a\"", "\"name\":\"\""),
      with("\"name\":\"a\"", "\"name\":\"a\\nb\""),
      with("\"fp_len\":3", "\"fp_len\":4"),  // longer than the offset
      with("\"fp\":\"00000000000000ff\"", "\"fp\":\"ff\""),
      with("\"fp\":\"00000000000000ff\"", "\"fp\":\"00000000000000FG\""),
      with("\"fp\":\"00000000000000ff\"", "\"fp\":255"),
      with("}]}",
           "},{\"name\":\"a\",\"path\":\"/p\",\"dev\":1,\"ino\":2,\"offset\":3,"
           "\"fp_len\":3,\"fp\":\"00000000000000ff\"}]}"),
  };
  for (const std::string& text : bad) {
    Result<TailCursor> c = TailCursor::Decode(text);
    ASSERT_FALSE(c.ok()) << text;
    EXPECT_EQ(c.error().code(), StatusCode::kInvalidArgument) << text;
    EXPECT_THAT(c.error().message(), HasSubstr("invalid tail cursor")) << text;
  }
  // A fingerprint is never longer than kFingerprintBytes, however far the offset.
  EXPECT_TRUE(
      TailCursor::Decode(with("\"offset\":3,\"fp_len\":3", "\"offset\":300,\"fp_len\":64")).ok());
  EXPECT_FALSE(
      TailCursor::Decode(with("\"offset\":3,\"fp_len\":3", "\"offset\":300,\"fp_len\":65")).ok());
}

TEST(CursorTrailTest, AtReplaysChangesUpToEachRecord) {
  TailCursor start;
  start.mutable_positions()["a\n/a"] = {.dev = 1, .ino = 1, .offset = 10};
  CursorTrail trail(start);
  uint32_t a = trail.AddKey("a\n/a");
  uint32_t b = trail.AddKey("b\n/b");
  EXPECT_EQ(trail.size(), 1u);
  EXPECT_EQ(trail.back(), start);

  trail.Set(a, {.dev = 1, .ino = 2, .offset = 0});  // a record-less move before record 0
  trail.Record();
  trail.Set(a, {.dev = 1, .ino = 2, .offset = 5});
  trail.Record();
  trail.Set(a, {.dev = 1, .ino = 2, .offset = 9});
  trail.Set(b, {.dev = 3, .ino = 3, .offset = 0});
  trail.Erase(a);
  trail.Record();
  trail.Set(b, {.dev = 3, .ino = 3, .offset = 4});
  ASSERT_EQ(trail.size(), 4u);

  EXPECT_EQ(trail.At(0).positions().at("a\n/a").ino, 2u);
  EXPECT_EQ(trail.At(0).positions().at("a\n/a").offset, 0u);
  EXPECT_EQ(trail.At(1).positions().at("a\n/a").offset, 5u);
  EXPECT_EQ(trail.At(1).positions().count("b\n/b"), 0u);
  EXPECT_EQ(trail.At(2).positions().count("a\n/a"), 0u);
  EXPECT_EQ(trail.At(2).positions().at("b\n/b").offset, 0u);
  EXPECT_EQ(trail.At(3).positions().at("b\n/b").offset, 4u);
  EXPECT_EQ(trail.At(3), trail.back());
}

}  // namespace
}  // namespace lm::agent::logs
