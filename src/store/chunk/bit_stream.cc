#include "store/chunk/bit_stream.h"

#include <algorithm>

namespace lm::store::chunk {

void BitWriter::WriteBits(uint64_t v, int n) {
  while (n > 0) {
    if (free_bits_ == 0) {
      bytes_.push_back(0);
      free_bits_ = 8;
    }
    int take = std::min(n, free_bits_);
    // The next `take` bits of v: bits [n - take, n).
    auto part = static_cast<unsigned>((v >> (n - take)) & ((1u << take) - 1));
    bytes_.back() |= static_cast<uint8_t>(part << (free_bits_ - take));
    free_bits_ -= take;
    n -= take;
  }
}

uint64_t BitReader::ReadBits(int n) {
  uint64_t out = 0;
  while (n > 0) {
    if (pos_ >= size_bits_) {
      ok_ = false;
      return n == 64 ? 0 : out << n;
    }
    int used = static_cast<int>(pos_ & 7);
    int avail = 8 - used;
    int take = std::min(n, avail);
    unsigned byte = data_[pos_ >> 3];
    uint64_t bits = (byte >> (avail - take)) & ((1u << take) - 1);
    out = (out << take) | bits;
    pos_ += static_cast<size_t>(take);
    n -= take;
  }
  return out;
}

}  // namespace lm::store::chunk
