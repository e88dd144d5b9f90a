#include "promql/parser.h"

#include <gtest/gtest.h>

#include <cmath>

namespace lm::promql {
namespace {

TEST(ParserTest, Selectors) {
  auto e = ParseExpr("lmagent_up{agent_id=\"a\", mode=~\"user|system\", x!=\"\", y!~\"z\",}");
  ASSERT_TRUE(e.ok()) << e.error().ToString();
  const auto& vs = std::get<VectorSelector>((*e)->node);
  EXPECT_EQ(vs.name, "lmagent_up");
  ASSERT_EQ(vs.matchers.size(), 5u);
  EXPECT_EQ(vs.matchers[0].ToString(), "__name__=\"lmagent_up\"");
  EXPECT_EQ(vs.matchers[2].type(), store::MatchType::kRegexMatch);

  auto only = ParseExpr("{__name__=~\"lm.*\"}");
  ASSERT_TRUE(only.ok());
  EXPECT_TRUE(std::get<VectorSelector>((*only)->node).name.empty());
}

TEST(ParserTest, Literals) {
  auto n = ParseExpr("-1.5e1");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(std::get<NumberLiteral>((*n)->node).value, -15);
  auto s = ParseExpr("'hi'");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(std::get<StringLiteral>((*s)->node).value, "hi");
  auto inf = ParseExpr("Inf");
  ASSERT_TRUE(inf.ok());
  EXPECT_TRUE(std::isinf(std::get<NumberLiteral>((*inf)->node).value));
}

TEST(ParserTest, ErrorsAndUnsupported) {
  struct C {
    const char* q;
    const char* want;
  } cases[] = {
      {"{}", "at least one non-empty matcher"},
      {"{a=\"\"}", "at least one non-empty matcher"},
      {"up{a=b}", "expected string"},
      {"up{a~\"b\"}", "unexpected character"},
      {"up{__name__=\"x\"}", "metric name must not be set twice"},
      {"up{a=~\"(\"}", "invalid regular expression"},
      {"up[5m]", "range vector selectors are not supported"},
      {"up + 1", "binary operators are not supported"},
      {"rate(up[5m])", "function calls are not supported"},
      {"sum by (a) (up)", "aggregation operators are not supported"},
      {"up offset 5m", "offset modifier"},
      {"", "unexpected end of input"},
      {"up}", "unexpected"},
  };
  for (const auto& c : cases) {
    auto e = ParseExpr(c.q);
    ASSERT_FALSE(e.ok()) << c.q;
    EXPECT_NE(e.error().message().find(c.want), std::string::npos)
        << c.q << " -> " << e.error().message();
  }
}

}  // namespace
}  // namespace lm::promql
