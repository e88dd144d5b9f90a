#include "store/mem_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <random>
#include <thread>

namespace lm::store {
namespace {

Labels L(std::vector<Label> l) { return Labels(std::move(l)); }

std::vector<std::pair<int64_t, double>> Samples(const Series& s) {
  std::vector<std::pair<int64_t, double>> out;
  auto it = s.Iterator();
  while (it->Next()) out.emplace_back(it->t(), it->v());
  return out;
}

Matcher M(MatchType t, std::string n, std::string v) {
  return Matcher::Create(t, std::move(n), std::move(v)).value();
}

TEST(MemStoreTest, OutOfOrderMergedAndDuplicatesIgnored) {
  MemStore st;
  Labels a = L({{"__name__", "m"}, {"k", "a"}});
  st.Append(a, 30, 3);
  st.Append(a, 10, 1);
  st.Append(a, 20, 2);
  st.Append(a, 20, 99);
  auto r = st.Select({M(MatchType::kEqual, "__name__", "m")}, 0, 100);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ(Samples(*(*r)[0]),
            (std::vector<std::pair<int64_t, double>>{{10, 1}, {20, 2}, {30, 3}}));
}

TEST(MemStoreTest, AppendManyMergesLikeAppend) {
  MemStore st;
  Labels a = L({{"__name__", "m"}, {"k", "a"}});
  const int64_t ts[] = {30, 10, 20, 20, 40};
  const double vs[] = {3, 1, 2, 99, 4};
  st.AppendMany(a, ts, vs, 5);
  st.AppendMany(a, ts, vs, 0);
  auto r = st.Select({M(MatchType::kEqual, "k", "a")}, 0, 100);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ(Samples(*(*r)[0]),
            (std::vector<std::pair<int64_t, double>>{{10, 1}, {20, 2}, {30, 3}, {40, 4}}));
  EXPECT_EQ(st.NumSeries(), 1u);
  EXPECT_EQ(st.NumSamples(), 4u);
}

TEST(MemStoreTest, MatchersAndTimeRange) {
  MemStore st;
  st.Append(L({{"__name__", "m"}, {"k", "a"}}), 10, 1);
  st.Append(L({{"__name__", "m"}, {"k", "b"}}), 20, 2);
  st.Append(L({{"__name__", "n"}, {"k", "a"}}), 30, 3);
  auto count = [&](std::vector<Matcher> ms, int64_t mint, int64_t maxt) {
    return st.Select(ms, mint, maxt)->size();
  };
  EXPECT_EQ(count({M(MatchType::kEqual, "__name__", "m")}, 0, 100), 2u);
  EXPECT_EQ(
      count({M(MatchType::kEqual, "__name__", "m"), M(MatchType::kNotEqual, "k", "a")}, 0, 100),
      1u);
  EXPECT_EQ(
      count({M(MatchType::kRegexMatch, "__name__", "m|n"), M(MatchType::kEqual, "k", "a")}, 0, 100),
      2u);
  EXPECT_EQ(count({M(MatchType::kRegexNoMatch, "k", "a")}, 0, 100), 1u);
  EXPECT_EQ(count({M(MatchType::kEqual, "__name__", "m")}, 15, 100), 1u);
  EXPECT_EQ(count({M(MatchType::kEqual, "__name__", "zzz")}, 0, 100), 0u);
  // A matcher on an absent label with an empty value matches every series.
  EXPECT_EQ(count({M(MatchType::kEqual, "absent", "")}, 0, 100), 3u);
}

TEST(MemStoreTest, IteratorSeek) {
  MemStore st;
  Labels a = L({{"__name__", "m"}});
  for (int i = 1; i <= 5; ++i) st.Append(a, i * 10, i);
  auto r = st.Select({M(MatchType::kEqual, "__name__", "m")}, 0, 100);
  auto it = (*r)[0]->Iterator();
  ASSERT_TRUE(it->Seek(25));
  EXPECT_EQ(it->t(), 30);
  ASSERT_TRUE(it->Seek(30));
  EXPECT_EQ(it->t(), 30);
  ASSERT_TRUE(it->Next());
  EXPECT_EQ(it->t(), 40);
  EXPECT_FALSE(it->Seek(51));
}

}  // namespace
}  // namespace lm::store

namespace lm::store {
namespace {

TEST(MemStoreTest, LabelNamesValuesAndTypes) {
  MemStore st;
  st.Append(L({{"__name__", "up"}, {"job", "a"}}), 10, 1);
  st.Append(L({{"__name__", "up"}, {"job", "b"}, {"zone", "z1"}}), 20, 1);
  st.Append(L({{"__name__", "req_total"}, {"job", "a"}}), 30, 1);
  st.NoteMetricType("req_total", "counter");
  st.NoteMetricType("up", "gauge");
  auto names = st.LabelNames({}, 0, 100);
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, (std::vector<std::string>{"__name__", "job", "zone"}));
  EXPECT_EQ(*st.LabelNames({}, 25, 100), (std::vector<std::string>{"__name__", "job"}));
  EXPECT_EQ(*st.LabelNames({M(MatchType::kEqual, "job", "b")}, 0, 100),
            (std::vector<std::string>{"__name__", "job", "zone"}));
  EXPECT_EQ(*st.LabelValues("job", {}, 0, 100), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(*st.LabelValues("job", {}, 15, 25), (std::vector<std::string>{"b"}));
  EXPECT_EQ(*st.LabelValues("__name__", {M(MatchType::kEqual, "job", "a")}, 0, 100),
            (std::vector<std::string>{"req_total", "up"}));
  EXPECT_TRUE(st.LabelValues("nope", {}, 0, 100)->empty());
  auto types = st.MetricTypes();
  EXPECT_EQ(types, (std::vector<std::pair<std::string, std::string>>{{"req_total", "counter"},
                                                                     {"up", "gauge"}}));
}

}  // namespace
}  // namespace lm::store

namespace lm::store {
namespace {

using SampleList = std::vector<std::pair<int64_t, double>>;

SampleList SelectAll(const MemStore& st, const Labels& l, int64_t mint, int64_t maxt) {
  std::vector<Matcher> ms;
  for (const Label& x : l.items()) ms.push_back(M(MatchType::kEqual, x.name, x.value));
  auto r = st.Select(ms, mint, maxt);
  EXPECT_TRUE(r.ok());
  if (!r.ok() || r->empty()) return {};
  EXPECT_EQ(r->size(), 1u);
  return Samples(*(*r)[0]);
}

TEST(MemStoreChunksTest, OutOfOrderMergedAcrossChunkBoundaries) {
  MemStore st;
  Labels a = L({{"__name__", "m"}});
  SampleList want;
  // Even timestamps in order fill several chunks; odd ones arrive afterwards, shuffled.
  for (int64_t i = 0; i < 1000; ++i) st.Append(a, 2 * i * 1000, static_cast<double>(i));
  std::vector<int64_t> odd;
  for (int64_t i = -5; i < 1005; ++i) odd.push_back((2 * i + 1) * 1000);
  std::shuffle(odd.begin(), odd.end(), std::mt19937(3));
  for (int64_t t : odd) st.Append(a, t, static_cast<double>(t) / 7);
  for (int64_t i = -5; i < 1005; ++i) {
    int64_t t = (2 * i + 1) * 1000;
    if (i >= 0 && i < 1000) want.emplace_back(2 * i * 1000, static_cast<double>(i));
    want.emplace_back(t, static_cast<double>(t) / 7);
  }
  std::sort(want.begin(), want.end());
  EXPECT_EQ(st.NumSamples(), want.size());
  EXPECT_EQ(SelectAll(st, a, -1'000'000, 10'000'000), want);

  // Replays change nothing, whatever their values.
  for (const auto& [t, v] : want) st.Append(a, t, v + 1);
  const int64_t ts[] = {0, 4000, 2000};
  const double vs[] = {-1, -1, -1};
  st.AppendMany(a, ts, vs, 3);
  EXPECT_EQ(st.NumSamples(), want.size());
  EXPECT_EQ(SelectAll(st, a, -1'000'000, 10'000'000), want);

  // Sub-ranges cut exactly at the requested times.
  SampleList mid;
  for (const auto& x : want) {
    if (x.first >= 333'000 && x.first <= 1'234'500) mid.push_back(x);
  }
  EXPECT_EQ(SelectAll(st, a, 333'000, 1'234'500), mid);
}

TEST(MemStoreChunksTest, SeekAndNextOverManyChunks) {
  MemStore st;
  Labels a = L({{"__name__", "m"}});
  std::vector<int64_t> ts;
  std::mt19937_64 rng(11);
  int64_t t = 1'700'000'000'000;
  for (int i = 0; i < 3000; ++i) {
    t += 1 + static_cast<int64_t>(rng() % 30'000);
    ts.push_back(t);
    st.Append(a, t, static_cast<double>(i % 17 == 0 ? i * 0.1 : i));
  }
  const int64_t mint = ts[100] + 1;  // between samples
  const int64_t maxt = ts[2900];
  auto r = st.Select({M(MatchType::kEqual, "__name__", "m")}, mint, maxt);
  ASSERT_EQ(r->size(), 1u);
  const Series& s = *(*r)[0];
  for (int round = 0; round < 50; ++round) {
    auto it = s.Iterator();
    size_t ref = 101;  // the reference position: first sample >= mint
    int64_t target = mint - 100;
    for (int step = 0; step < 40; ++step) {
      if (rng() % 3 == 0) {
        bool ok = it->Next();
        if (step > 0) ++ref;
        ASSERT_EQ(ok, ref <= 2900);
        if (!ok) break;
      } else {
        target += static_cast<int64_t>(rng() % 200'000) - 20'000;  // sometimes backwards
        size_t lb = std::lower_bound(ts.begin(), ts.end(), target) - ts.begin();
        ref = std::max(ref, lb);
        bool ok = it->Seek(target);
        ASSERT_EQ(ok, ref <= 2900);
        if (!ok) break;
      }
      ASSERT_EQ(it->t(), ts[ref]) << round << " " << step;
      double want = static_cast<double>(ref % 17 == 0 ? static_cast<double>(ref) * 0.1
                                                      : static_cast<double>(ref));
      ASSERT_EQ(it->v(), want);
    }
  }
  // A range with no sample between two chunks' samples selects nothing.
  EXPECT_TRUE(
      st.Select({M(MatchType::kEqual, "__name__", "m")}, ts[500] + 1, ts[501] - 1)->empty());
  EXPECT_FALSE(st.Select({M(MatchType::kEqual, "__name__", "m")}, ts[500], ts[500])->empty());
  EXPECT_EQ(*st.LabelNames({}, ts[500] + 1, ts[501] - 1), std::vector<std::string>{});
  EXPECT_EQ(*st.LabelValues("__name__", {}, ts[500], ts[500]), std::vector<std::string>{"m"});
}

// A writer appends in order and out of order while readers select: every selection is a
// consistent snapshot (strictly increasing times, the value written for each time, never
// fewer samples than an earlier snapshot) that iterates the same way twice.
TEST(MemStoreChunksTest, ConcurrentAppendAndSelect) {
  MemStore st;
  Labels a = L({{"__name__", "m"}, {"k", "a"}});
  constexpr int64_t kN = 20'000;
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int64_t i = 0; i < kN; ++i) {
      st.Append(a, 2 * i, static_cast<double>(2 * i));
      if (i % 10 == 9) st.Append(a, 2 * (i - 5) + 1, static_cast<double>(2 * (i - 5) + 1));
    }
    done = true;
  });
  size_t last = 0;
  int snapshots = 0;
  while (!done || snapshots < 5) {
    auto r = st.Select({M(MatchType::kEqual, "k", "a")}, 0, 10 * kN);
    ASSERT_TRUE(r.ok());
    if (r->empty()) continue;
    SampleList first = Samples(*(*r)[0]);
    ASSERT_GE(first.size(), last);
    last = first.size();
    for (size_t i = 0; i < first.size(); ++i) {
      ASSERT_EQ(first[i].second, static_cast<double>(first[i].first));
      if (i > 0) {
        ASSERT_LT(first[i - 1].first, first[i].first);
      }
    }
    ASSERT_EQ(Samples(*(*r)[0]), first);
    ++snapshots;
  }
  writer.join();
  EXPECT_EQ(st.NumSamples(), static_cast<size_t>(kN + kN / 10));
  EXPECT_EQ(SelectAll(st, a, 0, 10 * kN).size(), static_cast<size_t>(kN + kN / 10));
}

// Memory per series for 6 hours at a 15 s interval (1440 samples) of regular data, with
// label sets the size of a typical node exporter series. Asserts sizes, not speed.
// Counters meet the 1 KB target. Gauges that move every minute do not yet (about 1.45 KB):
// some 830 bytes per series are fixed costs (labels as separate strings, a mutex, the open
// chunk's state, about 56 bytes per sealed chunk), so the bound below only guards against
// regressions.
TEST(MemStoreChunksTest, MemoryPerSeries) {
  constexpr int kSeries = 1000;
  constexpr int kSamples = 1440;
  constexpr int64_t kStart = 1'700'000'000'000;
  auto labels = [](const char* name, int i) {
    return L({{"__name__", name},
              {"agent_id", "host-" + std::to_string(i / 20)},
              {"device", "dev" + std::to_string(i % 20)}});
  };
  auto load = [&](MemStore& st, const char* name, auto value) {
    std::vector<int64_t> ts(kSamples);
    std::vector<double> vs(kSamples);
    for (int i = 0; i < kSeries; ++i) {
      for (int j = 0; j < kSamples; ++j) {
        ts[j] = kStart + j * 15'000;
        vs[j] = value(i, j);
      }
      st.AppendMany(labels(name, i), ts.data(), vs.data(), kSamples);
    }
    EXPECT_EQ(st.NumSamples(), static_cast<size_t>(kSeries) * kSamples);
    return static_cast<double>(st.MemoryBytes()) / kSeries;
  };
  // Counters growing at a constant rate per series.
  MemStore counters;
  double counter_bytes = load(counters, "node_network_receive_bytes_total",
                              [](int i, int j) { return 1e6 * i + 4096.0 * (i % 7 + 1) * j; });
  // Gauges with small changes: a level in tenths (a temperature, a load figure) that moves
  // by up to 0.2 every 4th sample, a random walk per series.
  MemStore gauges;
  std::mt19937 rng(5);
  double gauge_bytes =
      load(gauges, "node_hwmon_temp_celsius", [&, level = 0](int i, int j) mutable {
        if (j == 0) level = 400 + 10 * (i % 10);
        if (j % 4 == 0) level += static_cast<int>(rng() % 5) - 2;
        return level / 10.0;
      });
  std::printf("bytes per series (1440 samples): counters %.0f, gauges %.0f\n", counter_bytes,
              gauge_bytes);
  EXPECT_LT(counter_bytes, 1024);
  EXPECT_LT(gauge_bytes, 1536);
}

}  // namespace
}  // namespace lm::store
