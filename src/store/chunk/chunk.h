// Compressed sample chunks: up to kMaxSamples samples (int64 ms timestamp, double value) of
// one series, strictly increasing in time. ChunkBuilder appends to an open chunk; Finish()
// or Snapshot() turn it into an immutable Chunk, shared by the series and by query snapshots
// through ChunkPtr; ChunkIterator decodes one lazily.
//
// Encoding: one bit stream per chunk, most significant bit first. The first timestamp, the
// last timestamp, the sample count, the stream's length in bits and the value encoding live
// in the Chunk's fields.
//  - Sample 0: its timestamp is min_time(); its value is written as described below.
//  - Sample 1: the timestamp delta, then the value.
//  - Every later sample is an entry: '1', the delta of timestamp deltas (dod), then the
//    value; or '0' and a varbit r - 1 (kRunBuckets) for a run of r >= 1 samples that are
//    exactly what the previous two predict (timestamp dod 0 and a value with a zero
//    residual, below). When the stream ends before the sample count, the remaining samples
//    are such a run: regular data (a scrape every 15 s of a counter growing at a constant
//    rate or of a constant gauge) costs no bits per sample at all.
//  - Integers are "varbit": a unary bucket prefix ('0', '10', '110', ...; the last bucket
//    has no terminating '0') then the value in two's complement in the bucket's width
//    (kTimeBuckets, kValueBuckets in chunk.cc). Deltas and dods are computed modulo 2^64,
//    so any two int64 timestamps round-trip.
//  - Values, per chunk one of two encodings:
//    * Decimal (scale e, 0 <= e <= kMaxScale): used while every value v of the chunk equals
//      n / 10^e bit for bit for an integer |n| <= 2^53 (counters are e = 0; gauges such as
//      0.25 or 41.7 need e = 2 or 1). Sample 0 writes n as a varbit, sample 1 its delta,
//      later samples the delta of deltas (the residual). Finish() also encodes the chunk
//      with later samples as plain deltas (encoding bit kDeltaValues) and keeps the smaller
//      form: a gauge that moves in steps costs one residual per step instead of two.
//    * Xor (Gorilla): the first value's 64 bits, then per value the XOR with the previous
//      one (the residual): '0' when equal; '10' and the XOR's meaningful bits when they fit
//      in the previous window of leading and trailing zeros; else '11', 5 bits of leading
//      zeros (at most 31), 6 bits of meaningful-bit count (64 written as 0) and the
//      meaningful bits. Any bit pattern round-trips, NaN payloads (the stale marker) too.
//    The builder starts a chunk in Decimal with the smallest scale its first value needs.
//    A value the current scale cannot hold re-encodes the chunk's samples so far with a
//    larger scale when one holds every value, else in Xor, which the chunk then keeps. A
//    chunk is re-encoded at most kMaxScale + 1 times, each time at most kMaxSamples samples.
//
// Thread safety: Chunk is immutable and safe to read from any thread. ChunkBuilder and
// ChunkIterator are thread compatible.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "store/chunk/bit_stream.h"

namespace lm::store::chunk {

inline constexpr int kMaxSamples = 240;
inline constexpr int kMaxScale = 6;
// The value encoding of a chunk: 0..kMaxScale is Decimal with that scale, with
// kDeltaValues set when residuals are deltas rather than deltas of deltas.
inline constexpr uint8_t kXorEncoding = 0xff;
inline constexpr uint8_t kDeltaValues = 0x10;
inline constexpr uint8_t kScaleMask = 0x0f;

struct Sample {
  int64_t t = 0;
  double v = 0;
};

// Where a chunk's bits are and how to read them; what ChunkIterator needs.
struct ChunkView {
  const uint8_t* data = nullptr;
  size_t size_bits = 0;  // of the stream; data holds (size_bits + 7) / 8 bytes
  int64_t min_time = 0;
  int64_t max_time = 0;
  uint16_t num_samples = 0;
  uint8_t encoding = 0;
};

// Decodes a chunk from the first sample on. The chunk's bytes must outlive the iterator.
class ChunkIterator {
 public:
  ChunkIterator() = default;
  explicit ChunkIterator(const ChunkView& view);

  // Advances to the next sample; false after the last.
  bool Next();
  // Advances to the first sample with t >= `t` (staying when the current one qualifies);
  // false when there is none.
  bool Seek(int64_t t);
  // The current sample; valid after Next or Seek returned true.
  int64_t t() const { return t_; }
  double v() const { return v_; }

 private:
  ChunkView view_;
  BitReader reader_;
  int index_ = -1;  // of the current sample
  int64_t t_ = 0;
  uint64_t t_delta_ = 0;
  double v_ = 0;
  int run_left_ = 0;  // predicted samples still to come in the current run
  // Decimal state.
  uint64_t n_ = 0;
  uint64_t n_delta_ = 0;
  // Xor state.
  uint64_t bits_ = 0;
  int leading_ = 0;
  int trailing_ = 0;
};

// An immutable chunk.
class Chunk {
 public:
  explicit Chunk(const ChunkView& view);  // copies view.data
  Chunk(const Chunk&) = delete;
  Chunk& operator=(const Chunk&) = delete;

  int64_t min_time() const { return min_time_; }
  int64_t max_time() const { return max_time_; }
  int num_samples() const { return num_samples_; }
  uint8_t encoding() const { return encoding_; }
  size_t size_bytes() const { return (size_bits_ + 7) / 8; }
  ChunkView view() const {
    return {data_.get(), size_bits_, min_time_, max_time_, num_samples_, encoding_};
  }
  ChunkIterator Iterator() const { return ChunkIterator(view()); }
  // Heap bytes of this chunk held through a ChunkPtr (object, its control block, bits).
  size_t MemoryBytes() const;

 private:
  std::unique_ptr<uint8_t[]> data_;
  int64_t min_time_;
  int64_t max_time_;
  uint32_t size_bits_;
  uint16_t num_samples_;
  uint8_t encoding_;
};

using ChunkPtr = std::shared_ptr<const Chunk>;

// True when the chunk has a sample with mint <= t <= maxt; decodes only when its time span
// covers [mint, maxt] without either end inside.
bool HasSampleIn(const ChunkView& view, int64_t mint, int64_t maxt);

// Encodes one open chunk.
class ChunkBuilder {
 public:
  // Appends a sample. Returns false, changing nothing, when the chunk is full or `t` is not
  // after max_time() (negative and zero deltas are not allowed within a chunk).
  bool Append(int64_t t, double v);

  bool empty() const { return num_samples_ == 0; }
  bool full() const { return num_samples_ == kMaxSamples; }
  int num_samples() const { return num_samples_; }
  // Valid when not empty.
  int64_t min_time() const { return min_time_; }
  int64_t max_time() const { return max_time_; }
  uint8_t encoding() const { return encoding_; }
  ChunkView view() const;
  ChunkIterator Iterator() const { return ChunkIterator(view()); }

  // An immutable copy of the chunk so far (null when empty); the builder is unchanged.
  ChunkPtr Snapshot() const;
  // The chunk (null when empty), in its smaller form (see kDeltaValues); the builder is
  // left empty.
  ChunkPtr Finish();
  // Heap bytes held by the builder's buffer.
  size_t MemoryBytes() const { return writer_.capacity(); }

 private:
  // Re-encodes the samples so far with `encoding`, which holds every one of them.
  void Reencode(uint8_t encoding);
  // Appends a sample that the current encoding holds.
  void AppendEncoded(int64_t t, double v);
  void Reset();

  BitWriter writer_;
  int64_t min_time_ = 0;
  int64_t max_time_ = 0;
  uint64_t t_delta_ = 0;
  // Decimal state: the previous n, its delta, the largest |n| so far.
  uint64_t n_ = 0;
  uint64_t n_delta_ = 0;
  uint64_t max_abs_n_ = 0;
  // Xor state.
  uint64_t bits_ = 0;
  uint8_t leading_ = 0xff;  // 0xff: no window yet
  uint8_t trailing_ = 0;
  uint16_t pending_run_ = 0;  // predicted samples not written yet
  uint16_t num_samples_ = 0;
  uint8_t encoding_ = 0;
};

// Encodes samples (strictly increasing in time) into chunks of at most kMaxSamples, split
// evenly: n samples make ceil(n / kMaxSamples) chunks.
std::vector<ChunkPtr> EncodeChunks(const std::vector<Sample>& samples);
// Every sample of a chunk, in order.
std::vector<Sample> DecodeAll(const ChunkView& view);

}  // namespace lm::store::chunk
