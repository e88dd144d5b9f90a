#include "store/matcher.h"

#include <gtest/gtest.h>

namespace lm::store {
namespace {

TEST(MatcherTest, AllTypes) {
  auto eq = Matcher::Create(MatchType::kEqual, "a", "x");
  auto ne = Matcher::Create(MatchType::kNotEqual, "a", "x");
  auto re = Matcher::Create(MatchType::kRegexMatch, "a", "x|y.*");
  auto nre = Matcher::Create(MatchType::kRegexNoMatch, "a", "x|y.*");
  ASSERT_TRUE(eq.ok() && ne.ok() && re.ok() && nre.ok());
  EXPECT_TRUE(eq->Matches("x"));
  EXPECT_FALSE(eq->Matches("xx"));
  EXPECT_TRUE(ne->Matches(""));
  EXPECT_TRUE(re->Matches("yzz"));
  EXPECT_FALSE(re->Matches("ax")) << "regexes are anchored";
  EXPECT_TRUE(nre->Matches("ax"));
  EXPECT_EQ(re->ToString(), "a=~\"x|y.*\"");
}

TEST(MatcherTest, BadRegexIsAnError) {
  auto m = Matcher::Create(MatchType::kRegexMatch, "a", "(");
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.error().message().find("invalid regular expression"), std::string::npos);
}

}  // namespace
}  // namespace lm::store
