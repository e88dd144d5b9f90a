#include "store/chunk/chunk.h"

#include <algorithm>
#include <bit>
#include <cassert>
#include <cmath>
#include <cstring>

namespace lm::store::chunk {
namespace {

// Bucket widths in bits of varbit integers; see chunk.h.
constexpr std::array<uint8_t, 6> kTimeBuckets = {0, 8, 14, 20, 32, 64};
constexpr std::array<uint8_t, 8> kValueBuckets = {0, 3, 6, 10, 16, 24, 36, 64};
// Runs are at most kMaxSamples - 2 long.
constexpr std::array<uint8_t, 4> kRunBuckets = {0, 3, 6, 9};
static_assert(kMaxSamples - 2 <= 1 << 8);

constexpr double kPow10[kMaxScale + 1] = {1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6};
constexpr uint64_t kMaxDecimal = uint64_t{1} << 53;

bool FitsSigned(int64_t x, int width) {
  if (width == 0) return x == 0;
  if (width >= 64) return true;
  int64_t half = int64_t{1} << (width - 1);
  return x >= -half && x < half;
}

template <size_t N>
void WriteVarbit(BitWriter& w, int64_t x, const std::array<uint8_t, N>& widths) {
  for (size_t i = 0; i < N; ++i) {
    if (!FitsSigned(x, widths[i])) continue;
    int prefix = static_cast<int>(i);
    if (i + 1 < N) {
      w.WriteBits(((uint64_t{1} << prefix) - 1) << 1, prefix + 1);  // i ones, then a zero
    } else {
      w.WriteBits((uint64_t{1} << prefix) - 1, prefix);
    }
    w.WriteBits(static_cast<uint64_t>(x), widths[i]);
    return;
  }
}

template <size_t N>
int64_t ReadVarbit(BitReader& r, const std::array<uint8_t, N>& widths) {
  size_t i = 0;
  while (i + 1 < N && r.ReadBit()) ++i;
  int width = widths[i];
  if (width == 0) return 0;
  uint64_t raw = r.ReadBits(width);
  if (width < 64) {
    uint64_t sign = uint64_t{1} << (width - 1);
    raw = (raw ^ sign) - sign;  // sign extension
  }
  return static_cast<int64_t>(raw);
}

// The integer n with v == n / 10^scale bit for bit and |n| <= 2^53, when there is one.
bool ToDecimal(double v, int scale, int64_t* n) {
  if (!std::isfinite(v)) return false;
  double x = std::nearbyint(v * kPow10[scale]);
  if (!(std::fabs(x) <= static_cast<double>(kMaxDecimal))) return false;
  auto i = static_cast<int64_t>(x);
  double back = static_cast<double>(i) / kPow10[scale];
  if (std::bit_cast<uint64_t>(back) != std::bit_cast<uint64_t>(v)) return false;
  *n = i;
  return true;
}

double FromDecimal(uint64_t n, int scale) {
  return static_cast<double>(static_cast<int64_t>(n)) / kPow10[scale];
}

// The smallest scale >= `from` that holds v, or kXorEncoding.
uint8_t ChooseEncoding(double v, int from) {
  int64_t n = 0;
  for (int s = from; s <= kMaxScale; ++s) {
    if (ToDecimal(v, s, &n)) return static_cast<uint8_t>(s);
  }
  return kXorEncoding;
}

}  // namespace

ChunkIterator::ChunkIterator(const ChunkView& view)
    : view_(view), reader_(view.data, view.size_bits) {}

bool ChunkIterator::Next() {
  if (index_ + 1 >= view_.num_samples) {
    index_ = view_.num_samples;
    return false;
  }
  ++index_;
  bool predicted = false;
  if (index_ >= 2) {
    if (run_left_ > 0) {
      --run_left_;
      predicted = true;
    } else if (reader_.at_end()) {
      predicted = true;  // the implicit run to the end
    } else if (!reader_.ReadBit()) {
      run_left_ = static_cast<int>(ReadVarbit(reader_, kRunBuckets));  // r - 1 more
      predicted = true;
    }
  }
  if (index_ == 0) {
    t_ = view_.min_time;
  } else {
    uint64_t d = predicted ? 0 : static_cast<uint64_t>(ReadVarbit(reader_, kTimeBuckets));
    t_delta_ = index_ == 1 ? d : t_delta_ + d;
    t_ = static_cast<int64_t>(static_cast<uint64_t>(t_) + t_delta_);
  }
  if (view_.encoding == kXorEncoding) {
    if (index_ == 0) {
      bits_ = reader_.ReadBits(64);
    } else if (!predicted && reader_.ReadBit()) {
      if (reader_.ReadBit()) {
        leading_ = static_cast<int>(reader_.ReadBits(5));
        int sig = static_cast<int>(reader_.ReadBits(6));
        if (sig == 0) sig = 64;
        trailing_ = 64 - leading_ - sig;
      }
      int sig = 64 - leading_ - trailing_;
      bits_ ^= reader_.ReadBits(sig) << trailing_;
    }
    v_ = std::bit_cast<double>(bits_);
  } else {
    uint64_t x = predicted ? 0 : static_cast<uint64_t>(ReadVarbit(reader_, kValueBuckets));
    if (index_ == 0) {
      n_ = x;
    } else {
      n_delta_ = index_ == 1 || (view_.encoding & kDeltaValues) ? x : n_delta_ + x;
      n_ += n_delta_;
    }
    v_ = FromDecimal(n_, view_.encoding & kScaleMask);
  }
  return true;
}

bool ChunkIterator::Seek(int64_t t) {
  if (index_ >= 0 && index_ < view_.num_samples && t_ >= t) return true;
  if (t > view_.max_time) {
    index_ = view_.num_samples;
    return false;
  }
  while (Next()) {
    if (t_ >= t) return true;
  }
  return false;
}

Chunk::Chunk(const ChunkView& view)
    : data_(std::make_unique_for_overwrite<uint8_t[]>((view.size_bits + 7) / 8)),
      min_time_(view.min_time),
      max_time_(view.max_time),
      size_bits_(static_cast<uint32_t>(view.size_bits)),
      num_samples_(view.num_samples),
      encoding_(view.encoding) {
  if (view.size_bits > 0) std::memcpy(data_.get(), view.data, size_bytes());
}

size_t Chunk::MemoryBytes() const {
  // make_shared puts the object after a control block of two counts and a vtable pointer.
  return sizeof(Chunk) + 2 * sizeof(void*) + size_bytes();
}

bool HasSampleIn(const ChunkView& view, int64_t mint, int64_t maxt) {
  if (view.num_samples == 0 || view.max_time < mint || view.min_time > maxt) return false;
  if (view.min_time >= mint || view.max_time <= maxt) return true;
  ChunkIterator it(view);
  return it.Seek(mint) && it.t() <= maxt;
}

bool ChunkBuilder::Append(int64_t t, double v) {
  if (full() || (!empty() && t <= max_time_)) return false;
  if (empty()) {
    encoding_ = ChooseEncoding(v, 0);
  } else if (encoding_ != kXorEncoding) {
    uint8_t enc = ChooseEncoding(v, encoding_);
    if (enc != encoding_) {
      // The samples so far must hold at the new scale too.
      if (enc != kXorEncoding &&
          max_abs_n_ > kMaxDecimal / static_cast<uint64_t>(kPow10[enc - encoding_])) {
        enc = kXorEncoding;
      }
      Reencode(enc);
    }
  }
  AppendEncoded(t, v);
  return true;
}

void ChunkBuilder::Reencode(uint8_t encoding) {
  std::vector<Sample> samples = DecodeAll(view());
  Reset();
  encoding_ = encoding;
  for (const Sample& s : samples) AppendEncoded(s.t, s.v);
}

void ChunkBuilder::AppendEncoded(int64_t t, double v) {
  // The residuals of this sample: timestamp (delta or dod) and value.
  uint64_t t_res = 0;
  uint64_t t_delta = static_cast<uint64_t>(t) - static_cast<uint64_t>(max_time_);
  uint64_t v_res = 0;
  uint64_t b = std::bit_cast<uint64_t>(v);  // Xor
  uint64_t n = 0;                           // Decimal
  uint64_t n_delta = 0;
  if (encoding_ == kXorEncoding) {
    v_res = b ^ bits_;
  } else {
    int64_t sn = 0;
    [[maybe_unused]] bool ok = ToDecimal(v, encoding_ & kScaleMask, &sn);
    assert(ok);
    n = static_cast<uint64_t>(sn);
    max_abs_n_ = std::max(max_abs_n_, sn < 0 ? 0 - n : n);
    n_delta = n - n_;
    v_res = num_samples_ == 1 || (encoding_ & kDeltaValues) ? n_delta : n_delta - n_delta_;
  }
  t_res = num_samples_ == 1 ? t_delta : t_delta - t_delta_;

  if (num_samples_ == 0) {
    min_time_ = t;
    if (encoding_ == kXorEncoding) {
      writer_.WriteBits(b, 64);
    } else {
      WriteVarbit(writer_, static_cast<int64_t>(n), kValueBuckets);
    }
  } else if (num_samples_ >= 2 && t_res == 0 && v_res == 0) {
    ++pending_run_;
  } else {
    if (num_samples_ >= 2) {
      if (pending_run_ > 0) {
        writer_.WriteBit(false);
        WriteVarbit(writer_, pending_run_ - 1, kRunBuckets);
        pending_run_ = 0;
      }
      writer_.WriteBit(true);
    }
    WriteVarbit(writer_, static_cast<int64_t>(t_res), kTimeBuckets);
    if (encoding_ != kXorEncoding) {
      WriteVarbit(writer_, static_cast<int64_t>(v_res), kValueBuckets);
    } else if (v_res == 0) {
      writer_.WriteBit(false);
    } else {
      writer_.WriteBit(true);
      int lead = std::min(std::countl_zero(v_res), 31);
      int trail = std::countr_zero(v_res);
      if (leading_ != 0xff && lead >= leading_ && trail >= trailing_) {
        writer_.WriteBit(false);
        writer_.WriteBits(v_res >> trailing_, 64 - leading_ - trailing_);
      } else {
        int sig = 64 - lead - trail;
        writer_.WriteBit(true);
        writer_.WriteBits(static_cast<uint64_t>(lead), 5);
        writer_.WriteBits(static_cast<uint64_t>(sig & 63), 6);
        writer_.WriteBits(v_res >> trail, sig);
        leading_ = static_cast<uint8_t>(lead);
        trailing_ = static_cast<uint8_t>(trail);
      }
    }
  }
  if (num_samples_ > 0) t_delta_ = t_delta;
  max_time_ = t;
  bits_ = b;
  n_delta_ = n_delta;
  n_ = n;
  ++num_samples_;
}

void ChunkBuilder::Reset() {
  writer_.Clear();
  num_samples_ = 0;
  t_delta_ = n_ = n_delta_ = max_abs_n_ = bits_ = 0;
  pending_run_ = 0;
  leading_ = 0xff;
  trailing_ = 0;
}

ChunkView ChunkBuilder::view() const {
  return {writer_.bytes().data(), writer_.bit_size(), min_time_, max_time_,
          num_samples_,           encoding_};
}

ChunkPtr ChunkBuilder::Snapshot() const {
  if (empty()) return nullptr;
  return std::make_shared<const Chunk>(view());
}

ChunkPtr ChunkBuilder::Finish() {
  ChunkPtr c;
  if (num_samples_ > 2 && encoding_ != kXorEncoding) {
    ChunkBuilder deltas;
    deltas.encoding_ = encoding_ | kDeltaValues;
    ChunkIterator it = Iterator();
    while (it.Next()) deltas.AppendEncoded(it.t(), it.v());
    if (deltas.writer_.bit_size() < writer_.bit_size()) c = deltas.Snapshot();
  }
  if (c == nullptr) c = Snapshot();
  Reset();
  return c;
}

std::vector<ChunkPtr> EncodeChunks(const std::vector<Sample>& samples) {
  std::vector<ChunkPtr> out;
  size_t n = samples.size();
  size_t k = (n + kMaxSamples - 1) / kMaxSamples;
  ChunkBuilder b;
  for (size_t i = 0; i < k; ++i) {
    for (size_t j = n * i / k; j < n * (i + 1) / k; ++j) {
      [[maybe_unused]] bool ok = b.Append(samples[j].t, samples[j].v);
      assert(ok);
    }
    out.push_back(b.Finish());
  }
  return out;
}

std::vector<Sample> DecodeAll(const ChunkView& view) {
  std::vector<Sample> out;
  out.reserve(view.num_samples);
  ChunkIterator it(view);
  while (it.Next()) out.push_back({it.t(), it.v()});
  return out;
}

}  // namespace lm::store::chunk
