#include "store/chunk/bit_stream.h"

#include <gtest/gtest.h>

#include <random>
#include <utility>
#include <vector>

namespace lm::store::chunk {
namespace {

TEST(BitStreamTest, RoundTripsRandomWidths) {
  std::mt19937_64 rng(7);
  std::vector<std::pair<uint64_t, int>> written;
  BitWriter w;
  for (int i = 0; i < 5000; ++i) {
    int n = static_cast<int>(rng() % 65);
    uint64_t v = rng();
    if (n < 64) v &= (uint64_t{1} << n) - 1;
    w.WriteBits(v, n);
    written.emplace_back(v, n);
  }
  size_t bits = 0;
  for (const auto& [v, n] : written) bits += static_cast<size_t>(n);
  EXPECT_EQ(w.bit_size(), bits);
  EXPECT_EQ(w.bytes().size(), (bits + 7) / 8);
  BitReader r(w.bytes().data(), w.bit_size());
  for (const auto& [v, n] : written) ASSERT_EQ(r.ReadBits(n), v) << n;
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.position(), bits);
}

TEST(BitStreamTest, MostSignificantBitFirstAndHighBitsIgnored) {
  BitWriter w;
  w.WriteBit(true);
  w.WriteBits(0xffff'fff0, 3);  // only the low 3 bits (000) count
  w.WriteBits(0b1011, 4);
  w.WriteBits(1, 1);
  ASSERT_EQ(w.bytes().size(), 2u);
  EXPECT_EQ(w.bytes()[0], 0b1000'1011);
  EXPECT_EQ(w.bytes()[1], 0b1000'0000);
  EXPECT_EQ(w.bit_size(), 9u);
}

TEST(BitStreamTest, ReadingPastTheEndClearsOk) {
  BitWriter w;
  w.WriteBits(0b101, 3);
  BitReader r(w.bytes().data(), w.bit_size());
  EXPECT_EQ(r.ReadBits(2), 0b10u);
  EXPECT_FALSE(r.at_end());
  EXPECT_EQ(r.ReadBits(1), 1u);
  EXPECT_TRUE(r.at_end());
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.ReadBits(64), 0u);  // the padding of the last byte is not part of the stream
  EXPECT_FALSE(r.ok());
  BitReader empty;
  EXPECT_EQ(empty.ReadBit(), false);
  EXPECT_FALSE(empty.ok());
}

TEST(BitStreamTest, FullWordsAndClear) {
  BitWriter w;
  w.WriteBits(0x8000'0000'0000'0001, 64);
  w.WriteBits(~uint64_t{0}, 64);
  BitReader r(w.bytes().data(), w.bit_size());
  EXPECT_EQ(r.ReadBits(64), 0x8000'0000'0000'0001u);
  EXPECT_EQ(r.ReadBits(64), ~uint64_t{0});
  w.Clear();
  EXPECT_EQ(w.bit_size(), 0u);
  w.WriteBit(true);
  EXPECT_EQ(w.bytes()[0], 0x80);
}

}  // namespace
}  // namespace lm::store::chunk
