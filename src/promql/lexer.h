// PromQL lexer: turns a query string into tokens with byte positions for error messages.
// Like Prometheus' lexer it is context sensitive: inside `{...}` words are always label names
// (never keywords, Inf or NaN), and inside `[...]` only durations, numbers, ':' and the
// characters of duration arithmetic are tokens. Thread compatible (one call per query).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lm::promql {

enum class TokenKind {
  kEof,
  kError,             // a lexical error; `text` is the message. Always the last token.
  kIdentifier,        // label names, function names, keywords, metric names without ':'
  kMetricIdentifier,  // identifiers containing ':'
  kString,            // `text` is the unquoted, unescaped value
  kNumber,            // decimal, hex, Inf, NaN (`text` is the source text)
  kDuration,          // 5m, 1h30m, ... (`text` is the source text)
  kLeftBrace,
  kRightBrace,
  kLeftParen,
  kRightParen,
  kLeftBracket,
  kRightBracket,
  kComma,
  kColon,         // only inside [...]
  kAssign,        // =
  kEql,           // ==
  kNeq,           // !=
  kRegexMatch,    // =~
  kRegexNoMatch,  // !~
  kLss,
  kLte,
  kGtr,
  kGte,
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kPow,
  kAt,  // @
};

// Words with a meaning outside braces, matched case-insensitively (`SUM`, `By`, ...). The
// lexer marks kIdentifier tokens with them; whether a keyword acts as one is up to the
// parser (`sum` is also a valid metric name).
enum class Keyword : uint8_t {
  kNone,
  // Binary operators written as words.
  kAnd,
  kOr,
  kUnless,
  kAtan2,
  // Aggregation operators.
  kSum,
  kAvg,
  kCount,
  kMin,
  kMax,
  kGroup,
  kStddev,
  kStdvar,
  kTopk,
  kBottomk,
  kCountValues,
  kQuantile,
  kLimitk,
  kLimitRatio,
  // Modifiers.
  kOffset,
  kBy,
  kWithout,
  kOn,
  kIgnoring,
  kGroupLeft,
  kGroupRight,
  kBool,
  // @ start() / @ end().
  kStart,
  kEnd,
};

struct Token {
  TokenKind kind = TokenKind::kEof;
  // The source text of identifiers, numbers and durations; the unescaped value of strings;
  // the message of kError.
  std::string text;
  size_t pos = 0;  // byte offset in the query (kEof: the query length)
  size_t end = 0;  // byte offset just past the token
  Keyword keyword = Keyword::kNone;
};

// Tokenizes `query`. The result always ends with one kEof token, or, at the first lexical
// error (unterminated or badly escaped string, invalid UTF-8, unexpected character, bad
// number or duration, unbalanced parenthesis or bracket), with one kError token whose `text`
// is the message (without position) and whose `pos` is where Prometheus reports it.
std::vector<Token> Lex(std::string_view query);

// How Prometheus' error messages name a token: `identifier "foo"`, `"("`, `<op:+>`,
// `<by>`, `<aggr:sum>`, `end of input`, ... `query` is the text the token came from.
std::string DescribeToken(const Token& token, std::string_view query);

// `s` as a double-quoted string literal with Go's strconv.Quote escaping (printable UTF-8
// kept, control characters and invalid bytes escaped). Valid PromQL.
std::string QuoteString(std::string_view s);

}  // namespace lm::promql
