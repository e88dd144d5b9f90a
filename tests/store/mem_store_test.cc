#include "store/mem_store.h"

#include <gtest/gtest.h>

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
