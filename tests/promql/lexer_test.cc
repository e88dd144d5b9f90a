#include "promql/lexer.h"

#include <gtest/gtest.h>

namespace lm::promql {
namespace {

using K = TokenKind;

std::vector<TokenKind> Kinds(std::string_view q) {
  std::vector<TokenKind> out;
  for (const auto& tok : Lex(q)) out.push_back(tok.kind);
  return out;
}

// The error message of the lexer's final token, or "" when it ends with kEof.
std::string LexError(std::string_view q) {
  auto toks = Lex(q);
  return toks.back().kind == K::kError ? toks.back().text : "";
}

TEST(LexerTest, SelectorTokens) {
  EXPECT_EQ(Kinds("up{a=\"b\",c!~'d'}"),
            (std::vector<K>{K::kIdentifier, K::kLeftBrace, K::kIdentifier, K::kAssign, K::kString,
                            K::kComma, K::kIdentifier, K::kRegexNoMatch, K::kString, K::kRightBrace,
                            K::kEof}));
  EXPECT_EQ(Kinds("job:rate5m [5m] 1.5e3 0x1F"),
            (std::vector<K>{K::kMetricIdentifier, K::kLeftBracket, K::kDuration, K::kRightBracket,
                            K::kNumber, K::kNumber, K::kEof}));
  EXPECT_EQ(Kinds("x[5m:1m] @ 10"),
            (std::vector<K>{K::kIdentifier, K::kLeftBracket, K::kDuration, K::kColon, K::kDuration,
                            K::kRightBracket, K::kAt, K::kNumber, K::kEof}));
  EXPECT_EQ(
      Kinds("a == b != c <= d < e >= f > g + - * / % ^"),
      (std::vector<K>{K::kIdentifier, K::kEql, K::kIdentifier, K::kNeq, K::kIdentifier, K::kLte,
                      K::kIdentifier, K::kLss, K::kIdentifier, K::kGte, K::kIdentifier, K::kGtr,
                      K::kIdentifier, K::kAdd, K::kSub,        K::kMul, K::kDiv,        K::kMod,
                      K::kPow,        K::kEof}));
}

TEST(LexerTest, PositionsAndEnds) {
  auto t = Lex("  sum (x)");
  ASSERT_EQ(t.size(), 5u);
  EXPECT_EQ(t[0].pos, 2u);
  EXPECT_EQ(t[0].end, 5u);
  EXPECT_EQ(t[1].pos, 6u);
  EXPECT_EQ(t[4].kind, K::kEof);
  EXPECT_EQ(t[4].pos, 9u);
}

TEST(LexerTest, Keywords) {
  auto t =
      Lex("SUM By without AND or unless atan2 offset on ignoring group_left group_right "
          "bool start end foo");
  std::vector<Keyword> want = {
      Keyword::kSum,  Keyword::kBy,       Keyword::kWithout,   Keyword::kAnd,
      Keyword::kOr,   Keyword::kUnless,   Keyword::kAtan2,     Keyword::kOffset,
      Keyword::kOn,   Keyword::kIgnoring, Keyword::kGroupLeft, Keyword::kGroupRight,
      Keyword::kBool, Keyword::kStart,    Keyword::kEnd,       Keyword::kNone};
  ASSERT_EQ(t.size(), want.size() + 1);
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(t[i].kind, K::kIdentifier) << i;
    EXPECT_EQ(t[i].keyword, want[i]) << t[i].text;
  }
  EXPECT_EQ(t[0].text, "SUM");  // the source spelling is kept
  // Inside braces words are plain label names.
  auto b = Lex("{by=\"x\", inf=\"y\"}");
  EXPECT_EQ(b[1].keyword, Keyword::kNone);
  EXPECT_EQ(b[5].kind, K::kIdentifier);
  EXPECT_EQ(b[5].text, "inf");
}

TEST(LexerTest, Numbers) {
  for (const char* n : {"1", "4.23", ".3", "5.", "1.e2", "1e-3", "1E+3", "0x123", "0X1f", "0x_1F",
                        "0x1_2_34", "00_1_23_4.56_7_8", "1e1_2_34", "NaN", "nAN", "Inf", "iNf"}) {
    auto t = Lex(n);
    ASSERT_EQ(t.size(), 2u) << n;
    EXPECT_EQ(t[0].kind, K::kNumber) << n;
    EXPECT_EQ(t[0].text, n);
  }
  EXPECT_EQ(Kinds("NaN123"), (std::vector<K>{K::kIdentifier, K::kEof}));
  EXPECT_EQ(Kinds("Infoo"), (std::vector<K>{K::kIdentifier, K::kEof}));
  EXPECT_EQ(Kinds("-Inf"), (std::vector<K>{K::kSub, K::kNumber, K::kEof}));
  EXPECT_EQ(Kinds("_1_2"), (std::vector<K>{K::kIdentifier, K::kEof}));
  for (const char* bad : {"1..2", "1.2.", "00_1_23__4.56_7_8", "00_1_23_4._56_7_8",
                          "00_1_23_4_.56_7_8", "0x1_2__34", "0x1.5", "1_e2", "1e.2", "1e+.2",
                          "1ee2", "1e+e2", "1e", "1e+", "1e_1", "12_", "0a:bc", "0x"}) {
    EXPECT_NE(LexError(bad).find("bad number or duration syntax"), std::string::npos)
        << bad << ": " << LexError(bad);
  }
}

TEST(LexerTest, Durations) {
  for (const char* d : {"5s", "123m", "1h", "3w", "1y", "2d", "500ms", "1h30m", "1m30ms"}) {
    auto t = Lex(d);
    ASSERT_EQ(t.size(), 2u) << d;
    EXPECT_EQ(t[0].kind, K::kDuration) << d;
    EXPECT_EQ(t[0].text, d);
  }
  EXPECT_EQ(LexError("5mm"), "bad number or duration syntax: \"5mm\"");
  EXPECT_EQ(LexError("1.5h"), "bad number or duration syntax: \"1.5h\"");
  EXPECT_EQ(LexError("1h30"), "bad number or duration syntax: \"1h30\"");
}

TEST(LexerTest, StringEscapes) {
  auto t = Lex(R"("a\"b\n\u00e9\x41\101\U0001F600\a\b\f\r\t\v\\" `raw\n` 'it\'s')");
  ASSERT_EQ(t.size(), 4u);
  EXPECT_EQ(t[0].text,
            "a\"b\n\xC3\xA9"
            "AA\xF0\x9F\x98\x80\a\b\f\r\t\v\\");
  EXPECT_EQ(t[1].text, "raw\\n");
  EXPECT_EQ(t[2].text, "it's");
  // A raw string may span lines.
  EXPECT_EQ(Lex("`a\nb`")[0].text, "a\nb");
}

TEST(LexerTest, CommentsAndSpace) {
  EXPECT_EQ(Kinds("5 # 1+1\n5"), (std::vector<K>{K::kNumber, K::kNumber, K::kEof}));
  EXPECT_EQ(Kinds("\r\n\t "), (std::vector<K>{K::kEof}));
  EXPECT_EQ(Kinds("{a=\"b\" # comment\n}"),
            (std::vector<K>{K::kLeftBrace, K::kIdentifier, K::kAssign, K::kString, K::kRightBrace,
                            K::kEof}));
}

TEST(LexerTest, Errors) {
  struct Case {
    const char* query;
    const char* message;
    size_t pos;
  } cases[] = {
      {"\"unterminated", "unterminated quoted string", 0},
      {"x + \"a\nb\"", "unterminated quoted string", 4},
      {"`raw", "unterminated raw string", 0},
      {"\"bad \\q escape\"", "unknown escape sequence U+0071 'q'", 0},
      {"'\\\"'", "unknown escape sequence U+0022 '\"'", 0},
      {"\"\\x4\"", "illegal character U+0022 '\"' in escape sequence", 0},
      {"\"\\uD800\"", "escape sequence is an invalid Unicode code point", 0},
      {"\"\\400\"", "escape sequence is an invalid Unicode code point", 0},
      {"\"\\", "escape sequence not terminated", 0},
      {"x{a=\"\xff\"}", "invalid UTF-8 rune", 4},
      {"up $", "unexpected character: '$'", 3},
      {"up \xC3\xA9", "unexpected character: '\xC3\xA9'", 3},
      {"}", "unexpected character: '}'", 0},
      {"up{a=\"x}", "unterminated quoted string", 5},
      {"up{", "unexpected end of input inside braces", 3},
      {"up{a:b=\"c\"}", "unexpected character inside braces: ':'", 4},
      {"up{{", "unexpected left brace '{'", 3},
      {"up{a!x}", "unexpected character after '!' inside braces: 'x'", 4},
      {"a =~ b", "unexpected character after '=': '~'", 2},
      {"a !x", "unexpected character after '!': 'x'", 2},
      {"(1", "unclosed left parenthesis", 2},
      {"1)", "unexpected right parenthesis ')'", 2},
      {"x[5m", "unclosed left bracket", 4},
      {"x[", "unexpected end of input in duration expression", 2},
      {"x]", "unexpected right bracket ']'", 1},
      {"x[5m[", "unexpected left bracket '['", 4},
      {"x[foo]", "unexpected character in duration expression: 'f'", 2},
      {"x[5m:1m:]", "unexpected repeated colon in duration expression", 7},
  };
  for (const auto& c : cases) {
    auto t = Lex(c.query);
    ASSERT_EQ(t.back().kind, K::kError) << c.query;
    EXPECT_EQ(t.back().text, c.message) << c.query;
    EXPECT_EQ(t.back().pos, c.pos) << c.query;
  }
}

TEST(LexerTest, QuoteString) {
  EXPECT_EQ(QuoteString("abc"), "\"abc\"");
  EXPECT_EQ(QuoteString("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(QuoteString("\n\t\a\x01\x7f"), "\"\\n\\t\\a\\x01\\x7f\"");
  EXPECT_EQ(QuoteString("\xC3\xA9"), "\"\xC3\xA9\"");  // printable UTF-8 is kept
  EXPECT_EQ(QuoteString("\xff"), "\"\\xff\"");         // invalid bytes are escaped
  EXPECT_EQ(QuoteString("\xC2\xA0"), "\"\\u00a0\"");   // no-break space is not printable
}

TEST(LexerTest, DescribeToken) {
  std::string q = "foo a:b 1 5m \"a long string\" sum by and ( ) @ + == start [";
  auto t = Lex(q);
  std::vector<std::string> got;
  for (const auto& tok : t) got.push_back(DescribeToken(tok, q));
  EXPECT_EQ(got, (std::vector<std::string>{
                     "identifier \"foo\"", "metric identifier \"a:b\"", "number \"1\"",
                     "duration \"5m\"", "string \"\\\"a long st\"...", "<aggr:sum>", "<by>",
                     "<op:and>", "\"(\"", "\")\"", "\"@\"", "<op:+>", "<op:==>", "\"start\"",
                     "\"[\"", "unexpected end of input in duration expression"}));
}

}  // namespace
}  // namespace lm::promql
