#include "store/labels.h"

#include <gtest/gtest.h>

namespace lm::store {
namespace {

TEST(LabelsTest, SortsDedupesDropsEmpty) {
  Labels l({{"b", "2"}, {"__name__", "m"}, {"a", "1"}, {"b", "dup"}, {"c", ""}});
  ASSERT_EQ(l.size(), 3u);
  EXPECT_EQ(l.items()[0].name, "__name__");
  EXPECT_EQ(l.Get("b"), "2");
  EXPECT_FALSE(l.Has("c"));
  EXPECT_EQ(l.ToString(), "m{a=\"1\", b=\"2\"}");
}

TEST(LabelsTest, HashAndEquality) {
  Labels a({{"x", "1"}, {"y", "2"}});
  Labels b({{"y", "2"}, {"x", "1"}});
  Labels c({{"x", "1"}, {"y", "3"}});
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.Hash(), b.Hash());
  EXPECT_NE(a.Hash(), c.Hash());
  // Name/value boundaries are part of the hash.
  EXPECT_NE(Labels(std::vector<Label>{{"ab", "c"}}).Hash(),
            Labels(std::vector<Label>{{"a", "bc"}}).Hash());
}

}  // namespace
}  // namespace lm::store
