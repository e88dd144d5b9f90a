#include "promql/engine.h"

#include <gtest/gtest.h>

#include <bit>

#include "store/mem_store.h"

namespace lm::promql {
namespace {

store::Labels L(std::string name, std::string k, std::string v) {
  return store::Labels(std::vector<store::Label>{{"__name__", name}, {k, v}});
}

TEST(EngineTest, InstantSelectorWithLookback) {
  store::MemStore st;
  st.Append(L("up", "a", "1"), 1'000'000, 1);
  st.Append(L("up", "a", "2"), 1'000'000 - 400'000, 7);  // older than 5m at t
  st.Append(L("up", "a", "3"), 1'000'000, std::bit_cast<double>(kStaleNaNBits));
  st.Append(L("up", "a", "4"), 1'100'000, 4);  // after t
  Engine e(EngineOptions{});
  auto r = e.InstantQuery(st, "up", 1'000'000);
  ASSERT_TRUE(r.ok()) << r.error().message;
  const auto& v = std::get<Vector>(r->value);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].labels.Get("a"), "1");
  EXPECT_EQ(v[0].t, 1'000'000);
  EXPECT_EQ(v[0].v, 1);
  // The latest sample within the window wins.
  auto later = e.InstantQuery(st, "up{a=~\"1|4\"}", 1'200'000);
  ASSERT_TRUE(later.ok());
  ASSERT_EQ(std::get<Vector>(later->value).size(), 2u);
}

TEST(EngineTest, ScalarsStringsAndErrors) {
  store::MemStore st;
  Engine e(EngineOptions{});
  auto s = e.InstantQuery(st, "42", 5000);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(std::get<Scalar>(s->value).v, 42);
  auto bad = e.InstantQuery(st, "up +", 0);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().type, ErrorType::kBadData);
}

TEST(EngineTest, SampleLimitIsAnExecutionError) {
  store::MemStore st;
  for (int i = 0; i < 10; ++i) st.Append(L("m", "a", "1"), 1000 + i, i);
  EngineOptions opt;
  opt.max_samples = 5;
  Engine e(opt);
  auto r = e.InstantQuery(st, "m", 2000);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().type, ErrorType::kExecution);
}

}  // namespace
}  // namespace lm::promql
