// PromQL lexer: turns a query string into tokens with byte positions for error messages.
// Thread compatible (one Lexer per parse).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace lm::promql {

enum class TokenKind {
  kEof,
  kIdentifier,        // label names, function names, keywords, metric names without ':'
  kMetricIdentifier,  // identifiers containing ':'
  kString,            // already unquoted and unescaped
  kNumber,            // decimal, hex, Inf, NaN (text kept)
  kDuration,          // 5m, 1h30m, ...
  kLeftBrace,
  kRightBrace,
  kLeftParen,
  kRightParen,
  kLeftBracket,
  kRightBracket,
  kComma,
  kColon,
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

struct Token {
  TokenKind kind;
  std::string text;  // identifier/number/duration text, or the unescaped string value
  size_t pos;        // byte offset in the query
};

// Tokenizes `query`. InvalidArgument naming the position for an unterminated string, a bad
// escape, or an unexpected character.
Result<std::vector<Token>> Lex(std::string_view query);

std::string_view TokenKindName(TokenKind kind);

}  // namespace lm::promql
