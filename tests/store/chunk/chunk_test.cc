#include "store/chunk/chunk.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

namespace lm::store::chunk {
namespace {

constexpr uint64_t kStaleNaN = 0x7ff0000000000002;

double Bits(uint64_t b) { return std::bit_cast<double>(b); }

// Appends every sample to one builder (they must fit) and checks that the builder, its
// snapshot and the finished chunk all decode to them bit for bit.
ChunkPtr RoundTrip(const std::vector<Sample>& samples) {
  ChunkBuilder b;
  for (const Sample& s : samples) EXPECT_TRUE(b.Append(s.t, s.v)) << s.t;
  auto check = [&](const ChunkView& view) {
    std::vector<Sample> got = DecodeAll(view);
    EXPECT_EQ(got.size(), samples.size());
    for (size_t i = 0; i < std::min(got.size(), samples.size()); ++i) {
      EXPECT_EQ(got[i].t, samples[i].t) << i;
      EXPECT_EQ(std::bit_cast<uint64_t>(got[i].v), std::bit_cast<uint64_t>(samples[i].v))
          << i << " " << samples[i].v << " " << got[i].v;
    }
    if (!samples.empty()) {
      EXPECT_EQ(view.min_time, samples.front().t);
      EXPECT_EQ(view.max_time, samples.back().t);
    }
  };
  check(b.view());
  ChunkPtr snap = b.Snapshot();
  ChunkPtr c = b.Finish();
  EXPECT_TRUE(b.empty());
  if (samples.empty()) {
    EXPECT_EQ(c, nullptr);
    return c;
  }
  check(snap->view());
  check(c->view());
  EXPECT_EQ(c->num_samples(), static_cast<int>(samples.size()));
  return c;
}

std::vector<Sample> Regular(int n, int64_t t0, int64_t step, double v0, double dv) {
  std::vector<Sample> out;
  for (int i = 0; i < n; ++i) out.push_back({t0 + i * step, v0 + i * dv});
  return out;
}

TEST(ChunkTest, EmptyChunk) {
  ChunkBuilder b;
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(b.Snapshot(), nullptr);
  ChunkIterator it(b.view());
  EXPECT_FALSE(it.Next());
  EXPECT_FALSE(it.Seek(0));
}

TEST(ChunkTest, RegularCounterIsDecimalAndOneRun) {
  ChunkPtr c = RoundTrip(Regular(kMaxSamples, 1'700'000'000'000, 15'000, 123'456, 10));
  EXPECT_EQ(c->encoding(), 0);  // deltas of deltas
  EXPECT_LE(c->size_bytes(), 10u);
}

TEST(ChunkTest, RunsBetweenExplicitSamples) {
  std::vector<Sample> s;
  int64_t t = 0;
  double v = 0;
  for (int i = 0; i < kMaxSamples; ++i) {
    t += (i % 37 == 5) ? 15'003 : 15'000;  // jitter now and then
    v += (i % 23 == 7) ? 2.5 : 0;          // a step gauge
    s.push_back({t, v});
  }
  ChunkPtr c = RoundTrip(s);
  EXPECT_EQ(c->encoding(), 1 | kDeltaValues);  // a step gauge: plain deltas are smaller
  EXPECT_LT(c->size_bytes(), 120u);
  std::vector<Sample> x = s;
  for (Sample& e : x) e.v = e.v * 1.1;  // not decimal: Xor
  EXPECT_EQ(RoundTrip(x)->encoding(), kXorEncoding);
}

TEST(ChunkTest, DecimalGaugeUsesTheSmallestScale) {
  std::vector<Sample> s;
  double vals[] = {41.5, 41.7, 41.75, 41.6, 41.6, 40.0};
  for (int i = 0; i < 6; ++i) s.push_back({i * 1000, vals[i]});
  ChunkPtr c = RoundTrip(s);
  EXPECT_EQ(c->encoding() & kScaleMask, 2);
}

TEST(ChunkTest, NonDecimalValueSwitchesTheChunkToXor) {
  std::vector<Sample> s = Regular(100, 0, 15'000, 5, 1);
  s.push_back({100 * 15'000, 1.0 / 3});
  s.push_back({101 * 15'000, 7});
  ChunkPtr c = RoundTrip(s);
  EXPECT_EQ(c->encoding(), kXorEncoding);
}

TEST(ChunkTest, SpecialValuesRoundTripBitExact) {
  std::vector<double> specials = {Bits(kStaleNaN),
                                  std::numeric_limits<double>::quiet_NaN(),
                                  -std::numeric_limits<double>::quiet_NaN(),
                                  Bits(0x7ff8'0000'0000'0001),
                                  std::numeric_limits<double>::infinity(),
                                  -std::numeric_limits<double>::infinity(),
                                  -0.0,
                                  0.0,
                                  std::numeric_limits<double>::denorm_min(),
                                  std::numeric_limits<double>::max(),
                                  std::numeric_limits<double>::lowest(),
                                  9007199254740993.0,
                                  -9007199254740992.0,
                                  1e300,
                                  0.1 + 0.2};
  // Each special alone, after decimal values, and in a row.
  for (double v : specials) {
    RoundTrip({{0, v}});
    RoundTrip({{0, 1}, {1, 2}, {2, v}, {3, 3}});
  }
  std::vector<Sample> all;
  for (size_t i = 0; i < specials.size(); ++i) {
    all.push_back({static_cast<int64_t>(i), specials[i]});
  }
  RoundTrip(all);
  EXPECT_EQ(RoundTrip({{0, -0.0}, {1, 0.0}})->encoding(), kXorEncoding);
}

TEST(ChunkTest, ExtremeTimestamps) {
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  RoundTrip({{kMin, 1}, {kMax, 2}});
  RoundTrip({{kMin, 1}, {kMin + 1, 2}, {0, 3}, {kMax - 1, 4}, {kMax, 5}});
  RoundTrip({{-5'000'000'000'000, 1}, {-1, 2}, {0, 3}, {1, 4}});
}

TEST(ChunkTest, RandomSamplesRoundTrip) {
  std::mt19937_64 rng(42);
  for (int round = 0; round < 300; ++round) {
    std::vector<Sample> s;
    int64_t t = static_cast<int64_t>(rng() % 2'000'000'000'000) - 1'000'000'000'000;
    int n = 1 + static_cast<int>(rng() % kMaxSamples);
    int kind = round % 5;
    double v = 0;
    for (int i = 0; i < n; ++i) {
      switch (kind) {
        case 0:  // arbitrary bit patterns
          v = Bits(rng());
          break;
        case 1:  // integer random walk
          v += static_cast<double>(static_cast<int64_t>(rng() % 2001) - 1000);
          break;
        case 2:  // decimals with up to 3 digits
          v = static_cast<double>(static_cast<int64_t>(rng() % 2'000'001) - 1'000'000) / 1e3;
          break;
        case 3:  // floats with noise
          v = std::sin(static_cast<double>(i)) * 100;
          break;
        default:  // mostly counter, occasionally something else
          v = (rng() % 50 == 0) ? Bits(rng()) : static_cast<double>(i * 3);
      }
      s.push_back({t, v});
      t += 1 + static_cast<int64_t>(rng() % (round % 2 ? 30'000 : 1'000'000'000));
    }
    RoundTrip(s);
  }
}

TEST(ChunkTest, AppendRejectsOutOfOrderDuplicatesAndOverflow) {
  ChunkBuilder b;
  ASSERT_TRUE(b.Append(100, 1));
  EXPECT_FALSE(b.Append(100, 2));
  EXPECT_FALSE(b.Append(99, 2));
  EXPECT_EQ(b.num_samples(), 1);
  for (int i = 1; i < kMaxSamples; ++i) ASSERT_TRUE(b.Append(100 + i, i));
  EXPECT_TRUE(b.full());
  EXPECT_FALSE(b.Append(100'000, 1));
  EXPECT_EQ(b.max_time(), 100 + kMaxSamples - 1);
}

TEST(ChunkTest, IteratorSeek) {
  ChunkPtr c = RoundTrip(Regular(50, 1000, 10, 0, 1));  // t = 1000..1490
  ChunkIterator it = c->Iterator();
  ASSERT_TRUE(it.Seek(1005));
  EXPECT_EQ(it.t(), 1010);
  EXPECT_EQ(it.v(), 1);
  ASSERT_TRUE(it.Seek(1000));  // never moves back
  EXPECT_EQ(it.t(), 1010);
  ASSERT_TRUE(it.Next());
  EXPECT_EQ(it.t(), 1020);
  ASSERT_TRUE(it.Seek(1490));
  EXPECT_EQ(it.v(), 49);
  EXPECT_FALSE(it.Next());
  EXPECT_FALSE(it.Seek(0));
  ChunkIterator past = c->Iterator();
  EXPECT_FALSE(past.Seek(1491));
}

TEST(ChunkTest, HasSampleIn) {
  ChunkPtr c = RoundTrip({{10, 1}, {20, 2}, {50, 3}});
  EXPECT_TRUE(HasSampleIn(c->view(), 0, 10));
  EXPECT_TRUE(HasSampleIn(c->view(), 50, 60));
  EXPECT_TRUE(HasSampleIn(c->view(), 15, 25));
  EXPECT_FALSE(HasSampleIn(c->view(), 21, 49));
  EXPECT_FALSE(HasSampleIn(c->view(), 51, 100));
  EXPECT_FALSE(HasSampleIn(c->view(), 0, 9));
}

TEST(ChunkTest, EncodeChunksSplitsEvenly) {
  std::vector<Sample> s = Regular(kMaxSamples * 2 + 1, 0, 15, 0, 2);
  std::vector<ChunkPtr> chunks = EncodeChunks(s);
  ASSERT_EQ(chunks.size(), 3u);
  size_t i = 0;
  for (const ChunkPtr& c : chunks) {
    EXPECT_LE(c->num_samples(), kMaxSamples);
    EXPECT_GE(c->num_samples(), kMaxSamples * 2 / 3);
    for (const Sample& got : DecodeAll(c->view())) {
      EXPECT_EQ(got.t, s[i].t);
      EXPECT_EQ(got.v, s[i].v);
      ++i;
    }
  }
  EXPECT_EQ(i, s.size());
  EXPECT_TRUE(EncodeChunks({}).empty());
}

}  // namespace
}  // namespace lm::store::chunk
