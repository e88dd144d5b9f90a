#include "agent/queue/record_format.h"

#include <gtest/gtest.h>

#include "common/crc32c.h"

namespace lm::agent {
namespace {

TEST(RecordFormatTest, LayoutIsPinned) {
  std::string r = EncodeRecord("abc", "xy");
  ASSERT_EQ(r.size(), 20u + 3u + 2u);
  EXPECT_EQ(r.substr(0, 8), std::string("\x89LMQ\r\n\x1a\n", 8));
  EXPECT_EQ(r.substr(8, 4), std::string("\x03\x00\x00\x00", 4));   // frame length
  EXPECT_EQ(r.substr(12, 4), std::string("\x02\x00\x00\x00", 4));  // cursor length
  std::string covered = r.substr(8, 8) + "abcxy";
  uint32_t crc = crc32c::Value(covered);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(static_cast<uint8_t>(r[16 + i]), (crc >> (8 * i)) & 0xff);
  }
  EXPECT_EQ(r.substr(20), "abcxy");
  auto view = DecodeRecord(r);
  ASSERT_TRUE(view.ok()) << view.error().ToString();
  EXPECT_EQ(view->frame, "abc");
  EXPECT_EQ(view->cursor, "xy");
}

TEST(RecordFormatTest, EmptyFrameAndCursorRoundTrip) {
  std::string r = EncodeRecord("");
  auto view = DecodeRecord(r);
  ASSERT_TRUE(view.ok());
  EXPECT_EQ(view->frame, "");
  EXPECT_EQ(view->cursor, "");
}

TEST(RecordFormatTest, EveryCorruptionIsDataLoss) {
  const std::string good = EncodeRecord("some frame bytes", "{\"cursor\":1}");
  std::string short_header = good.substr(0, 10);
  std::string bad_magic = good;
  bad_magic[2] = 'X';
  std::string truncated = good.substr(0, good.size() - 1);  // torn tail
  std::string extended = good + "x";
  std::string flipped_frame = good;
  flipped_frame[22] ^= 0x01;
  std::string flipped_cursor = good;
  flipped_cursor[good.size() - 2] ^= 0x01;
  std::string bad_crc = good;
  bad_crc[16] ^= 0x01;
  std::string moved_boundary = good;  // frame/cursor split changed, total unchanged
  moved_boundary[8] = static_cast<char>(moved_boundary[8] + 1);
  moved_boundary[12] = static_cast<char>(moved_boundary[12] - 1);
  std::string huge_cursor = good;
  huge_cursor[15] = '\x7f';
  for (const std::string& r : {short_header, bad_magic, truncated, extended, flipped_frame,
                               flipped_cursor, bad_crc, moved_boundary, huge_cursor}) {
    auto view = DecodeRecord(r);
    ASSERT_FALSE(view.ok());
    EXPECT_EQ(view.error().code(), StatusCode::kDataLoss) << view.error().ToString();
  }
}

}  // namespace
}  // namespace lm::agent
