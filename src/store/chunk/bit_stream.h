// BitWriter and BitReader: a bit stream packed most significant bit first into bytes, for
// the sample chunk codec (chunk.h). Value types; thread compatible.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace lm::store::chunk {

// Appends bits to a growing byte buffer. Unused low bits of the last byte are zero.
class BitWriter {
 public:
  // Appends the low `n` bits of `v` (0 <= n <= 64), the most significant of them first.
  void WriteBits(uint64_t v, int n);
  void WriteBit(bool b) { WriteBits(b ? 1 : 0, 1); }

  size_t bit_size() const { return bytes_.size() * 8 - free_bits_; }
  const std::vector<uint8_t>& bytes() const { return bytes_; }
  size_t capacity() const { return bytes_.capacity(); }
  void Reserve(size_t bytes) { bytes_.reserve(bytes); }
  // Empties the stream.
  void Clear() {
    bytes_.clear();
    free_bits_ = 0;
  }

 private:
  std::vector<uint8_t> bytes_;
  int free_bits_ = 0;  // unused low bits of bytes_.back()
};

// Reads the first `size_bits` bits of a byte buffer it does not own; the buffer must outlive
// the reader. Reading past the end yields zero bits and clears ok(): a caller that knows how
// many values the stream holds never does it, one that decodes untrusted bytes checks ok().
class BitReader {
 public:
  BitReader() = default;
  BitReader(const uint8_t* data, size_t size_bits) : data_(data), size_bits_(size_bits) {}

  // The next `n` bits (0 <= n <= 64), the first read the most significant.
  uint64_t ReadBits(int n);
  bool ReadBit() { return ReadBits(1) != 0; }

  bool ok() const { return ok_; }
  size_t position() const { return pos_; }
  bool at_end() const { return pos_ >= size_bits_; }

 private:
  const uint8_t* data_ = nullptr;
  size_t size_bits_ = 0;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace lm::store::chunk
