#include "promql/lexer.h"

#include <gtest/gtest.h>

namespace lm::promql {
namespace {

std::vector<TokenKind> Kinds(std::string_view q) {
  auto t = Lex(q);
  EXPECT_TRUE(t.ok()) << t.error().ToString();
  std::vector<TokenKind> out;
  for (const auto& tok : *t) out.push_back(tok.kind);
  return out;
}

TEST(LexerTest, SelectorTokens) {
  using K = TokenKind;
  EXPECT_EQ(Kinds("up{a=\"b\",c!~'d'}"),
            (std::vector<K>{K::kIdentifier, K::kLeftBrace, K::kIdentifier, K::kAssign, K::kString,
                            K::kComma, K::kIdentifier, K::kRegexNoMatch, K::kString, K::kRightBrace,
                            K::kEof}));
  EXPECT_EQ(Kinds("job:rate5m [5m] 1.5e3 0x1F"),
            (std::vector<K>{K::kMetricIdentifier, K::kLeftBracket, K::kDuration, K::kRightBracket,
                            K::kNumber, K::kNumber, K::kEof}));
}

TEST(LexerTest, StringEscapes) {
  auto t = Lex(R"("a\"b\n\u00e9\x41" `raw\n`)");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ((*t)[0].text,
            "a\"b\n\xC3\xA9"
            "A");
  EXPECT_EQ((*t)[1].text, "raw\\n");
}

TEST(LexerTest, Errors) {
  EXPECT_FALSE(Lex("\"unterminated").ok());
  EXPECT_FALSE(Lex("\"bad \\q escape\"").ok());
  EXPECT_FALSE(Lex("up $").ok());
  auto e = Lex("up{a=\"x}");
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.error().message().find("1:6"), std::string::npos) << e.error().message();
}

}  // namespace
}  // namespace lm::promql
