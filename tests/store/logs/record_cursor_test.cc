#include "store/logs/record_cursor.h"

#include <gtest/gtest.h>

namespace lm::store::logs {
namespace {

TEST(RecordCursorTest, RoundTrip) {
  for (int64_t t : {int64_t{0}, int64_t{-5}, int64_t{1'700'000'000'123'456'789},
                    std::numeric_limits<int64_t>::min()}) {
    Cursor c{CursorKind::kAlerts, Order::kAsc, 0xdeadbeef, {t, (uint64_t{7} << 16) | 42}};
    const std::string text = EncodeCursor(c);
    EXPECT_TRUE(text.starts_with("c1.")) << text;
    auto back = DecodeCursor(text);
    ASSERT_TRUE(back.ok()) << back.error().message();
    EXPECT_EQ(*back, c);
  }
}

TEST(RecordCursorTest, RejectsMalformed) {
  const std::string good =
      EncodeCursor({CursorKind::kLogs, Order::kDesc, 1, {1'700'000'000'000'000'000, 5}});
  EXPECT_FALSE(DecodeCursor("").ok());
  EXPECT_FALSE(DecodeCursor("garbage").ok());
  EXPECT_FALSE(DecodeCursor("c2." + good.substr(3)).ok());
  EXPECT_FALSE(DecodeCursor(good.substr(0, good.size() - 1)).ok());
  EXPECT_FALSE(DecodeCursor(good + "A").ok());
  std::string bad_char = good;
  bad_char[10] = '+';
  EXPECT_FALSE(DecodeCursor(bad_char).ok());
  // Any changed character breaks the checksum.
  for (size_t i = 3; i < good.size(); ++i) {
    std::string flipped = good;
    flipped[i] = flipped[i] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(DecodeCursor(flipped).ok()) << i;
  }
}

TEST(RecordCursorTest, FingerprintCoversEveryFilter) {
  RecordFilter base;
  const uint32_t fp = FilterFingerprint(base);
  EXPECT_EQ(FilterFingerprint(base), fp);
  std::vector<RecordFilter> variants(9, base);
  variants[0].min_time = 1;
  variants[1].max_time = 1;
  variants[2].agent_id = "a";
  variants[3].boot_id = "a";
  variants[4].name = "a";
  variants[5].severity = protocol::Severity::kError;
  variants[6].min_severity = protocol::Severity::kWarn;
  variants[7].kvs = {{"k", "v"}};
  variants[8].text = TextMatcher::Compile({{"x"}, {}, {}, false}).value();
  for (const auto& v : variants) EXPECT_NE(FilterFingerprint(v), fp);
  RecordFilter agent_b = base;
  agent_b.agent_id = "b";
  EXPECT_NE(FilterFingerprint(agent_b), FilterFingerprint(variants[2]));
  RecordFilter ci = base;
  ci.text = TextMatcher::Compile({{"x"}, {}, {}, true}).value();
  EXPECT_NE(FilterFingerprint(ci), FilterFingerprint(variants[8]));
}

}  // namespace
}  // namespace lm::store::logs
