#include "agent/queue/record_format.h"

#include <gtest/gtest.h>

#include "common/crc32c.h"

namespace lm::agent {
namespace {

TEST(RecordFormatTest, LayoutIsPinned) {
  std::string r = EncodeRecord("abc");
  ASSERT_EQ(r.size(), 16u + 3u);
  EXPECT_EQ(r.substr(0, 8), std::string("\x89LMQ\r\n\x1a\n", 8));
  EXPECT_EQ(r[8], 3);  // length, u32 LE
  EXPECT_EQ(r[9], 0);
  EXPECT_EQ(r[10], 0);
  EXPECT_EQ(r[11], 0);
  uint32_t crc = crc32c::Value("abc");
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(static_cast<uint8_t>(r[12 + i]), (crc >> (8 * i)) & 0xff);
  }
  auto frame = DecodeRecord(r);
  ASSERT_TRUE(frame.ok()) << frame.status().ToString();
  EXPECT_EQ(*frame, "abc");
}

TEST(RecordFormatTest, EmptyFrameRoundTrips) {
  auto frame = DecodeRecord(EncodeRecord(""));
  ASSERT_TRUE(frame.ok());
  EXPECT_EQ(*frame, "");
}

TEST(RecordFormatTest, EveryCorruptionIsDataLoss) {
  const std::string good = EncodeRecord("some frame bytes");
  std::string short_header = good.substr(0, 10);
  std::string bad_magic = good;
  bad_magic[2] = 'X';
  std::string truncated = good.substr(0, good.size() - 1);
  std::string extended = good + "x";
  std::string flipped = good;
  flipped[20] ^= 0x01;
  std::string bad_crc = good;
  bad_crc[12] ^= 0x01;
  for (const std::string& r : {short_header, bad_magic, truncated, extended, flipped, bad_crc}) {
    auto frame = DecodeRecord(r);
    ASSERT_FALSE(frame.ok());
    EXPECT_EQ(frame.error().code(), StatusCode::kDataLoss) << frame.error().ToString();
  }
}

}  // namespace
}  // namespace lm::agent
