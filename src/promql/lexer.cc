#include "promql/lexer.h"

#include <cctype>

#include <fmt/format.h>

namespace lm::promql {
namespace {

bool IsAlpha(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlnum(char c) { return IsAlpha(c) || IsDigit(c); }

bool IsDurationUnit(std::string_view s, size_t i, size_t* len) {
  if (i >= s.size()) return false;
  if (s.substr(i, 2) == "ms") {
    *len = 2;
    return true;
  }
  switch (s[i]) {
    case 's':
    case 'm':
    case 'h':
    case 'd':
    case 'w':
    case 'y':
      *len = 1;
      return true;
    default:
      return false;
  }
}

Status Error(size_t pos, std::string msg) {
  return InvalidArgument(fmt::format("1:{}: parse error: {}", pos + 1, msg));
}

// Unescapes a quoted string starting at s[i] (the quote). Advances i past the closing quote.
Status LexString(std::string_view s, size_t& i, std::string* out) {
  char quote = s[i];
  size_t start = i;
  ++i;
  while (i < s.size()) {
    char c = s[i];
    if (c == quote) {
      ++i;
      return Status::Ok();
    }
    if (c == '\n' && quote != '`') return Error(start, "unterminated quoted string");
    if (c == '\\' && quote != '`') {
      if (i + 1 >= s.size()) break;
      char e = s[i + 1];
      i += 2;
      switch (e) {
        case 'a':
          out->push_back('\a');
          break;
        case 'b':
          out->push_back('\b');
          break;
        case 'f':
          out->push_back('\f');
          break;
        case 'n':
          out->push_back('\n');
          break;
        case 'r':
          out->push_back('\r');
          break;
        case 't':
          out->push_back('\t');
          break;
        case 'v':
          out->push_back('\v');
          break;
        case '\\':
          out->push_back('\\');
          break;
        case '"':
          out->push_back('"');
          break;
        case '\'':
          out->push_back('\'');
          break;
        case 'x':
        case 'u':
        case 'U':
        case '0':
        case '1':
        case '2':
        case '3':
        case '4':
        case '5':
        case '6':
        case '7': {
          int digits = e == 'x' ? 2 : e == 'u' ? 4 : e == 'U' ? 8 : 3;
          int base = (e >= '0' && e <= '7') ? 8 : 16;
          size_t from = (base == 8) ? i - 1 : i;
          if (from + static_cast<size_t>(digits) > s.size()) {
            return Error(start, "unterminated escape sequence");
          }
          uint32_t v = 0;
          for (int k = 0; k < digits; ++k) {
            char d = s[from + static_cast<size_t>(k)];
            int dv = std::isdigit(static_cast<unsigned char>(d)) ? d - '0'
                     : (d >= 'a' && d <= 'f')                    ? d - 'a' + 10
                     : (d >= 'A' && d <= 'F')                    ? d - 'A' + 10
                                                                 : 99;
            if (dv >= base) return Error(start, fmt::format("invalid escape sequence '\\{}'", e));
            v = v * static_cast<uint32_t>(base) + static_cast<uint32_t>(dv);
          }
          i = from + static_cast<size_t>(digits);
          if (e == 'x' || base == 8) {
            out->push_back(static_cast<char>(v));
          } else {
            // UTF-8 encode the code point.
            if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
              return Error(start, "escape sequence is an invalid Unicode code point");
            }
            if (v < 0x80) {
              out->push_back(static_cast<char>(v));
            } else if (v < 0x800) {
              out->push_back(static_cast<char>(0xC0 | (v >> 6)));
              out->push_back(static_cast<char>(0x80 | (v & 0x3F)));
            } else if (v < 0x10000) {
              out->push_back(static_cast<char>(0xE0 | (v >> 12)));
              out->push_back(static_cast<char>(0x80 | ((v >> 6) & 0x3F)));
              out->push_back(static_cast<char>(0x80 | (v & 0x3F)));
            } else {
              out->push_back(static_cast<char>(0xF0 | (v >> 18)));
              out->push_back(static_cast<char>(0x80 | ((v >> 12) & 0x3F)));
              out->push_back(static_cast<char>(0x80 | ((v >> 6) & 0x3F)));
              out->push_back(static_cast<char>(0x80 | (v & 0x3F)));
            }
          }
          break;
        }
        default:
          return Error(start, fmt::format("unknown escape sequence '\\{}'", e));
      }
      continue;
    }
    out->push_back(c);
    ++i;
  }
  return Error(start, "unterminated quoted string");
}

}  // namespace

std::string_view TokenKindName(TokenKind kind) {
  switch (kind) {
    case TokenKind::kEof:
      return "end of input";
    case TokenKind::kIdentifier:
      return "identifier";
    case TokenKind::kMetricIdentifier:
      return "metric identifier";
    case TokenKind::kString:
      return "string";
    case TokenKind::kNumber:
      return "number";
    case TokenKind::kDuration:
      return "duration";
    case TokenKind::kLeftBrace:
      return "\"{\"";
    case TokenKind::kRightBrace:
      return "\"}\"";
    case TokenKind::kLeftParen:
      return "\"(\"";
    case TokenKind::kRightParen:
      return "\")\"";
    case TokenKind::kLeftBracket:
      return "\"[\"";
    case TokenKind::kRightBracket:
      return "\"]\"";
    case TokenKind::kComma:
      return "\",\"";
    case TokenKind::kColon:
      return "\":\"";
    case TokenKind::kAssign:
      return "\"=\"";
    case TokenKind::kEql:
      return "\"==\"";
    case TokenKind::kNeq:
      return "\"!=\"";
    case TokenKind::kRegexMatch:
      return "\"=~\"";
    case TokenKind::kRegexNoMatch:
      return "\"!~\"";
    case TokenKind::kLss:
      return "\"<\"";
    case TokenKind::kLte:
      return "\"<=\"";
    case TokenKind::kGtr:
      return "\">\"";
    case TokenKind::kGte:
      return "\">=\"";
    case TokenKind::kAdd:
      return "\"+\"";
    case TokenKind::kSub:
      return "\"-\"";
    case TokenKind::kMul:
      return "\"*\"";
    case TokenKind::kDiv:
      return "\"/\"";
    case TokenKind::kMod:
      return "\"%\"";
    case TokenKind::kPow:
      return "\"^\"";
    case TokenKind::kAt:
      return "\"@\"";
  }
  return "token";
}

Result<std::vector<Token>> Lex(std::string_view s) {
  std::vector<Token> out;
  size_t i = 0;
  auto push = [&](TokenKind k, size_t pos, std::string text = {}) {
    out.push_back(Token{k, std::move(text), pos});
  };
  while (i < s.size()) {
    char c = s[i];
    size_t start = i;
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
      continue;
    }
    if (c == '#') {  // comment to end of line
      while (i < s.size() && s[i] != '\n') ++i;
      continue;
    }
    if (c == '"' || c == '\'' || c == '`') {
      std::string value;
      LM_RETURN_IF_ERROR(LexString(s, i, &value));
      push(TokenKind::kString, start, std::move(value));
      continue;
    }
    if (IsDigit(c) || (c == '.' && i + 1 < s.size() && IsDigit(s[i + 1]))) {
      // Hex number.
      if (c == '0' && i + 1 < s.size() && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
        i += 2;
        while (i < s.size() && std::isxdigit(static_cast<unsigned char>(s[i]))) ++i;
        push(TokenKind::kNumber, start, std::string(s.substr(start, i - start)));
        continue;
      }
      // Duration: digits followed by a unit, possibly repeated (1h30m).
      size_t j = i;
      while (j < s.size() && IsDigit(s[j])) ++j;
      size_t ulen = 0;
      if (j > i && IsDurationUnit(s, j, &ulen) &&
          !(j + ulen < s.size() && IsAlnum(s[j + ulen]) && !IsDigit(s[j + ulen]))) {
        i = j + ulen;
        while (i < s.size() && IsDigit(s[i])) {
          size_t k = i;
          while (k < s.size() && IsDigit(s[k])) ++k;
          if (!IsDurationUnit(s, k, &ulen)) return Error(start, "bad duration syntax");
          i = k + ulen;
        }
        if (i < s.size() && IsAlnum(s[i])) return Error(start, "bad duration syntax");
        push(TokenKind::kDuration, start, std::string(s.substr(start, i - start)));
        continue;
      }
      // Decimal with optional fraction and exponent.
      while (i < s.size() && IsDigit(s[i])) ++i;
      if (i < s.size() && s[i] == '.') {
        ++i;
        while (i < s.size() && IsDigit(s[i])) ++i;
      }
      if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        size_t k = i + 1;
        if (k < s.size() && (s[k] == '+' || s[k] == '-')) ++k;
        if (k < s.size() && IsDigit(s[k])) {
          i = k;
          while (i < s.size() && IsDigit(s[i])) ++i;
        }
      }
      if (i < s.size() && (IsAlpha(s[i]) || s[i] == '.')) {
        return Error(start, fmt::format("bad number or duration syntax: \"{}\"",
                                        s.substr(start, i + 1 - start)));
      }
      push(TokenKind::kNumber, start, std::string(s.substr(start, i - start)));
      continue;
    }
    if (IsAlpha(c) || c == ':') {
      bool metric = false;
      while (i < s.size() && (IsAlnum(s[i]) || s[i] == ':')) {
        if (s[i] == ':') metric = true;
        ++i;
      }
      std::string text(s.substr(start, i - start));
      if (text == ":") {
        push(TokenKind::kColon, start);
        continue;
      }
      push(metric ? TokenKind::kMetricIdentifier : TokenKind::kIdentifier, start, std::move(text));
      continue;
    }
    auto two = s.substr(i, 2);
    if (two == "==") {
      push(TokenKind::kEql, start);
      i += 2;
      continue;
    }
    if (two == "!=") {
      push(TokenKind::kNeq, start);
      i += 2;
      continue;
    }
    if (two == "=~") {
      push(TokenKind::kRegexMatch, start);
      i += 2;
      continue;
    }
    if (two == "!~") {
      push(TokenKind::kRegexNoMatch, start);
      i += 2;
      continue;
    }
    if (two == "<=") {
      push(TokenKind::kLte, start);
      i += 2;
      continue;
    }
    if (two == ">=") {
      push(TokenKind::kGte, start);
      i += 2;
      continue;
    }
    TokenKind k;
    switch (c) {
      case '{':
        k = TokenKind::kLeftBrace;
        break;
      case '}':
        k = TokenKind::kRightBrace;
        break;
      case '(':
        k = TokenKind::kLeftParen;
        break;
      case ')':
        k = TokenKind::kRightParen;
        break;
      case '[':
        k = TokenKind::kLeftBracket;
        break;
      case ']':
        k = TokenKind::kRightBracket;
        break;
      case ',':
        k = TokenKind::kComma;
        break;
      case '=':
        k = TokenKind::kAssign;
        break;
      case '<':
        k = TokenKind::kLss;
        break;
      case '>':
        k = TokenKind::kGtr;
        break;
      case '+':
        k = TokenKind::kAdd;
        break;
      case '-':
        k = TokenKind::kSub;
        break;
      case '*':
        k = TokenKind::kMul;
        break;
      case '/':
        k = TokenKind::kDiv;
        break;
      case '%':
        k = TokenKind::kMod;
        break;
      case '^':
        k = TokenKind::kPow;
        break;
      case '@':
        k = TokenKind::kAt;
        break;
      default:
        return Error(start, fmt::format("unexpected character: '{}'", c));
    }
    push(k, start);
    ++i;
  }
  push(TokenKind::kEof, s.size());
  return out;
}

}  // namespace lm::promql
