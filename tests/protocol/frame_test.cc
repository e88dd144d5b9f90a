#include "protocol/frame.h"

#include <gtest/gtest.h>

#include <cstring>

namespace lm::protocol {
namespace {

TEST(FrameTest, HeaderLayoutIsPinned) {
  std::string f = EncodeFrame(std::string(16, 'x'));
  ASSERT_EQ(f.size(), 24u + 16u);
  EXPECT_EQ(f.substr(0, 8), std::string("\x89LMF\r\n\x1a\n", 8));
  EXPECT_EQ(f[8], 1);  // version LE
  EXPECT_EQ(f[9], 0);
  EXPECT_EQ(f[10], 0);  // flags
  EXPECT_EQ(f[11], 0);
  EXPECT_EQ(static_cast<uint8_t>(f[12]), 16u);  // payload length LE u64
  for (int i = 13; i < 20; ++i) EXPECT_EQ(f[i], 0);
  auto h = CheckFrame(f, 1 << 20);
  ASSERT_TRUE(h.ok()) << h.error().ToString();
  EXPECT_EQ(h->payload_length, 16u);
}

struct Case {
  const char* name;
  void (*mutate)(std::string*);
  DecodeErrorKind kind;
};

TEST(FrameTest, EachCorruptionHasADistinctError) {
  const Case cases[] = {
      {"truncated", [](std::string* f) { f->resize(10); }, DecodeErrorKind::kTruncatedHeader},
      {"magic", [](std::string* f) { (*f)[1] = 'X'; }, DecodeErrorKind::kBadMagic},
      {"version", [](std::string* f) { (*f)[8] = 2; }, DecodeErrorKind::kUnsupportedVersion},
      {"unknown flag", [](std::string* f) { (*f)[10] = 2; }, DecodeErrorKind::kUnknownFlags},
      {"zstd flag", [](std::string* f) { (*f)[10] = 1; }, DecodeErrorKind::kUnsupportedCompression},
      {"length", [](std::string* f) { f->push_back('y'); }, DecodeErrorKind::kLengthMismatch},
      {"crc", [](std::string* f) { (*f)[30] ^= 1; }, DecodeErrorKind::kCrcMismatch},
  };
  for (const Case& c : cases) {
    std::string f = EncodeFrame(std::string(16, 'x'));
    c.mutate(&f);
    auto h = CheckFrame(f, 1 << 20);
    ASSERT_FALSE(h.ok()) << c.name;
    EXPECT_EQ(h.error().kind, c.kind) << c.name << ": " << h.error().ToString();
  }
}

TEST(FrameTest, TooLargeIsCheckedFirst) {
  std::string f = EncodeFrame(std::string(100, 'x'));
  auto h = CheckFrame(f, 64);
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.error().kind, DecodeErrorKind::kFrameTooLarge);
  EXPECT_EQ(h.error().rule, "max_frame_bytes");
}

}  // namespace
}  // namespace lm::protocol
