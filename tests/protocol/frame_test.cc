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

// A frame with the given flags around arbitrary payload bytes (valid header and CRC).
std::string RawFrame(std::string_view payload, uint16_t flags) {
  std::string f = EncodeFrame(payload);
  f[10] = static_cast<char>(flags & 0xff);
  f[11] = static_cast<char>(flags >> 8);
  return f;
}

Result<std::string, DecodeError> Message(std::string_view frame, uint64_t limit) {
  auto h = CheckFrame(frame, UINT64_MAX);
  if (!h.ok()) return h.error();
  std::unique_ptr<uint64_t[]> storage;
  auto m = FrameMessage(frame, *h, limit, &storage);
  if (!m.ok()) return m.error();
  return std::string(*m);
}

TEST(FrameTest, ZstdRoundTrip) {
  std::string message;
  for (int i = 0; i < 1000; ++i) message += "series " + std::to_string(i % 7) + ";";
  std::string f = EncodeFrame(message, Compression::kZstd, 3);
  EXPECT_EQ(f[10], 1);  // the zstd flag
  EXPECT_LT(f.size(), message.size() / 4);
  auto h = CheckFrame(f, 1 << 20);
  ASSERT_TRUE(h.ok()) << h.error().ToString();
  EXPECT_EQ(h->flags, kFlagZstd);
  auto m = Message(f, 1 << 20);
  ASSERT_TRUE(m.ok()) << m.error().ToString();
  EXPECT_EQ(*m, message);
  // Uncompressed frames pass through unchanged.
  auto plain = Message(EncodeFrame(message), 1 << 20);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(*plain, message);
}

TEST(FrameTest, ZstdDecompressedSizeIsLimited) {
  std::string zeros(4 << 20, '\0');  // compresses to a few hundred bytes
  std::string f = EncodeFrame(zeros, Compression::kZstd);
  EXPECT_LT(f.size(), 4096u);
  auto m = Message(f, 1 << 20);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().kind, DecodeErrorKind::kFrameTooLarge);
  EXPECT_EQ(m.error().rule, "max_frame_bytes");
  EXPECT_TRUE(Message(f, 4 << 20).ok());
}

TEST(FrameTest, BadZstdPayloadsAreDecompressionFailures) {
  std::string message(5000, 'a');
  std::string good = EncodeFrame(message, Compression::kZstd);
  std::string compressed = good.substr(kFrameHeaderBytes);
  const std::string cases[] = {
      RawFrame(message, kFlagZstd),                                      // not zstd at all
      RawFrame(compressed.substr(0, compressed.size() - 2), kFlagZstd),  // truncated
      RawFrame(compressed + compressed, kFlagZstd),                      // two frames
      RawFrame(compressed + "junk", kFlagZstd),                          // trailing bytes
      RawFrame("", kFlagZstd),                                           // empty
  };
  for (const std::string& f : cases) {
    auto m = Message(f, 1 << 20);
    ASSERT_FALSE(m.ok());
    EXPECT_EQ(m.error().kind, DecodeErrorKind::kDecompressionFailed) << m.error().ToString();
    EXPECT_EQ(DecodeErrorKindName(m.error().kind), "decompression_failed");
  }
  // A corrupted block inside a well-formed frame header.
  std::string flipped = compressed;
  flipped[compressed.size() / 2] ^= 0x5a;
  auto m = Message(RawFrame(flipped, kFlagZstd), 1 << 20);
  EXPECT_FALSE(m.ok());
}

}  // namespace
}  // namespace lm::protocol
