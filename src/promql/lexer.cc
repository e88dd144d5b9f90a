#include "promql/lexer.h"

#include <fmt/format.h>

#include "common/utf8.h"

namespace lm::promql {
namespace {

constexpr size_t kNpos = std::string_view::npos;
constexpr uint32_t kReplacementChar = 0xFFFD;

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAlnum(char c) { return IsAlpha(c) || IsDigit(c); }
bool IsHexDigit(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsLower(std::string_view word, std::string_view lower) {
  if (word.size() != lower.size()) return false;
  for (size_t i = 0; i < word.size(); ++i) {
    if (Lower(word[i]) != lower[i]) return false;
  }
  return true;
}

Keyword LookupKeyword(std::string_view word) {
  static constexpr struct {
    std::string_view name;
    Keyword keyword;
  } kWords[] = {
      {"and", Keyword::kAnd},
      {"or", Keyword::kOr},
      {"unless", Keyword::kUnless},
      {"atan2", Keyword::kAtan2},
      {"sum", Keyword::kSum},
      {"avg", Keyword::kAvg},
      {"count", Keyword::kCount},
      {"min", Keyword::kMin},
      {"max", Keyword::kMax},
      {"group", Keyword::kGroup},
      {"stddev", Keyword::kStddev},
      {"stdvar", Keyword::kStdvar},
      {"topk", Keyword::kTopk},
      {"bottomk", Keyword::kBottomk},
      {"count_values", Keyword::kCountValues},
      {"quantile", Keyword::kQuantile},
      {"limitk", Keyword::kLimitk},
      {"limit_ratio", Keyword::kLimitRatio},
      {"offset", Keyword::kOffset},
      {"by", Keyword::kBy},
      {"without", Keyword::kWithout},
      {"on", Keyword::kOn},
      {"ignoring", Keyword::kIgnoring},
      {"group_left", Keyword::kGroupLeft},
      {"group_right", Keyword::kGroupRight},
      {"bool", Keyword::kBool},
      {"start", Keyword::kStart},
      {"end", Keyword::kEnd},
  };
  for (const auto& w : kWords) {
    if (EqualsLower(word, w.name)) return w.keyword;
  }
  return Keyword::kNone;
}

// The code point at s[i] and its length in bytes; U+FFFD and 1 for an invalid byte.
uint32_t DecodeRune(std::string_view s, size_t i, size_t* len) {
  size_t n = Utf8SequenceLength(s, i);
  if (n == 0) {
    *len = 1;
    return kReplacementChar;
  }
  *len = n;
  auto b = [&](size_t k) { return static_cast<uint32_t>(static_cast<unsigned char>(s[i + k])); };
  switch (n) {
    case 1:
      return b(0);
    case 2:
      return ((b(0) & 0x1F) << 6) | (b(1) & 0x3F);
    case 3:
      return ((b(0) & 0x0F) << 12) | ((b(1) & 0x3F) << 6) | (b(2) & 0x3F);
    default:
      return ((b(0) & 0x07) << 18) | ((b(1) & 0x3F) << 12) | ((b(2) & 0x3F) << 6) | (b(3) & 0x3F);
  }
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// An approximation of Go's unicode.IsPrint for code points above ASCII: controls, format
// characters, separators other than U+0020, private use and noncharacters are not printable.
// Exactness does not matter for correctness: whatever is escaped is unescaped on input.
bool IsPrintable(uint32_t r) {
  if (r < 0x80) return r >= 0x20 && r < 0x7F;
  if (r < 0xA1) return false;  // C1 controls and U+00A0
  if (r == 0xAD || r == 0x61C || r == 0x6DD || r == 0x70F || r == 0x1680 || r == 0x180E ||
      r == 0x3000 || r == 0xFEFF) {
    return false;
  }
  if (r >= 0x600 && r <= 0x605) return false;
  if (r >= 0x2000 && r <= 0x200F) return false;
  if (r >= 0x2028 && r <= 0x202F) return false;
  if (r >= 0x205F && r <= 0x206F) return false;
  if (r >= 0xD800 && r <= 0xF8FF) return false;  // surrogates and private use
  if (r >= 0xFFF9 && r <= 0xFFFB) return false;
  if ((r & 0xFFFE) == 0xFFFE) return false;  // noncharacters U+xxFFFE, U+xxFFFF
  if (r >= 0xE0000) return false;            // tags, variation selectors, private use
  return true;
}

// Appends the escaped form of code point `r` as Go's strconv quoting writes it.
void AppendEscapedRune(uint32_t r, char quote, std::string* out) {
  if (r == static_cast<uint32_t>(quote) || r == '\\') {
    out->push_back('\\');
    out->push_back(static_cast<char>(r));
    return;
  }
  if (IsPrintable(r)) {
    AppendUtf8(r, out);
    return;
  }
  switch (r) {
    case '\a':
      out->append("\\a");
      return;
    case '\b':
      out->append("\\b");
      return;
    case '\f':
      out->append("\\f");
      return;
    case '\n':
      out->append("\\n");
      return;
    case '\r':
      out->append("\\r");
      return;
    case '\t':
      out->append("\\t");
      return;
    case '\v':
      out->append("\\v");
      return;
    default:
      break;
  }
  if (r < 0x20 || r == 0x7F) {
    out->append(fmt::format("\\x{:02x}", r));
  } else if (r < 0x10000) {
    out->append(fmt::format("\\u{:04x}", r));
  } else {
    out->append(fmt::format("\\U{:08x}", r));
  }
}

// Go's %q of a single rune: 'a', '\n', '\x00'.
std::string QuoteRune(uint32_t r) {
  std::string out = "'";
  AppendEscapedRune(r, '\'', &out);
  out.push_back('\'');
  return out;
}

// Go's %#U: "U+0071 'q'" (the character only when printable).
std::string FormatCodePoint(uint32_t r) {
  std::string out = fmt::format("U+{:04X}", r);
  if (IsPrintable(r)) {
    out += " '";
    AppendUtf8(r, &out);
    out += "'";
  }
  return out;
}

int HexValue(char c) {
  if (IsDigit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return 16;
}

// Digits (hex or decimal) with single underscores between them, starting at s[*k]. Returns
// how many digits were consumed; *k ends after the last digit.
int ScanDigits(std::string_view s, size_t* k, bool hex) {
  auto is_digit = [hex](char c) { return hex ? IsHexDigit(c) : IsDigit(c); };
  int count = 0;
  while (*k < s.size()) {
    char c = s[*k];
    if (is_digit(c)) {
      ++count;
      ++*k;
    } else if (c == '_' && count > 0 && *k + 1 < s.size() && is_digit(s[*k + 1])) {
      ++*k;
    } else {
      break;
    }
  }
  return count;
}

// The end of the number literal starting at s[i] (decimal with optional fraction and
// exponent, or 0x hex; underscores between digits), or kNpos when the text there is no
// number (it may be a duration).
size_t ScanNumber(std::string_view s, size_t i) {
  auto at = [&](size_t k) { return k < s.size() ? s[k] : '\0'; };
  size_t k = i;
  if (at(k) == '0' && (at(k + 1) == 'x' || at(k + 1) == 'X')) {
    k += 2;
    if (at(k) == '_') ++k;
    if (ScanDigits(s, &k, true) == 0) return kNpos;
  } else {
    int digits = ScanDigits(s, &k, false);
    if (at(k) == '.') {
      ++k;
      digits += ScanDigits(s, &k, false);
    }
    if (digits == 0) return kNpos;
    if (at(k) == 'e' || at(k) == 'E') {
      size_t e = k + 1;
      if (at(e) == '+' || at(e) == '-') ++e;
      if (ScanDigits(s, &e, false) == 0) return kNpos;
      k = e;
    }
  }
  if (IsAlnum(at(k)) || at(k) == '.') return kNpos;
  return k;
}

// The end of the duration literal (`1h30m`, `500ms`) starting at s[i], or kNpos.
size_t ScanDuration(std::string_view s, size_t i) {
  auto at = [&](size_t k) { return k < s.size() ? s[k] : '\0'; };
  size_t k = i;
  bool any = false;
  while (IsDigit(at(k))) {
    while (IsDigit(at(k))) ++k;
    if (at(k) == 'm' && at(k + 1) == 's') {
      k += 2;
    } else if (at(k) == 's' || at(k) == 'm' || at(k) == 'h' || at(k) == 'd' || at(k) == 'w' ||
               at(k) == 'y') {
      ++k;
    } else {
      return kNpos;
    }
    any = true;
  }
  if (!any || IsAlnum(at(k)) || at(k) == '.') return kNpos;
  return k;
}

class Lexer {
 public:
  explicit Lexer(std::string_view s) : s_(s) {}

  std::vector<Token> Run() {
    while (Step()) {
    }
    return std::move(out_);
  }

 private:
  char At(size_t k) const { return k < s_.size() ? s_[k] : '\0'; }

  bool Emit(TokenKind kind, size_t start, size_t end, std::string text = {},
            Keyword keyword = Keyword::kNone) {
    out_.push_back(Token{kind, std::move(text), start, end, keyword});
    i_ = end;
    return true;
  }

  bool Fail(size_t pos, std::string msg) {
    out_.push_back(Token{TokenKind::kError, std::move(msg), pos, pos, Keyword::kNone});
    return false;
  }

  std::string RuneAt(size_t k) const {
    if (k >= s_.size()) return QuoteRune(kReplacementChar);
    size_t len = 0;
    return QuoteRune(DecodeRune(s_, k, &len));
  }

  // Lexes one token. False once the kEof or kError token has been emitted.
  bool Step() {
    while (i_ < s_.size()) {
      if (IsSpace(s_[i_])) {
        ++i_;
      } else if (s_[i_] == '#') {
        while (i_ < s_.size() && s_[i_] != '\n' && s_[i_] != '\r') ++i_;
      } else {
        break;
      }
    }
    size_t n = s_.size();
    if (i_ >= n) {
      if (in_braces_) return Fail(n, "unexpected end of input inside braces");
      if (in_brackets_) {
        TokenKind last = out_.back().kind;
        if (last != TokenKind::kNumber && last != TokenKind::kDuration &&
            last != TokenKind::kRightParen) {
          return Fail(n, "unexpected end of input in duration expression");
        }
      }
      if (paren_depth_ != 0) return Fail(n, "unclosed left parenthesis");
      if (in_brackets_) return Fail(n, "unclosed left bracket");
      Emit(TokenKind::kEof, n, n);
      return false;
    }
    if (in_braces_) return InsideBraces();
    if (in_brackets_) return InsideBrackets();
    return Statement();
  }

  bool Statement() {
    size_t i = i_;
    char c = s_[i];
    switch (c) {
      case ',':
        return Emit(TokenKind::kComma, i, i + 1);
      case '*':
        return Emit(TokenKind::kMul, i, i + 1);
      case '/':
        return Emit(TokenKind::kDiv, i, i + 1);
      case '%':
        return Emit(TokenKind::kMod, i, i + 1);
      case '+':
        return Emit(TokenKind::kAdd, i, i + 1);
      case '-':
        return Emit(TokenKind::kSub, i, i + 1);
      case '^':
        return Emit(TokenKind::kPow, i, i + 1);
      case '@':
        return Emit(TokenKind::kAt, i, i + 1);
      case '=':
        if (At(i + 1) == '=') return Emit(TokenKind::kEql, i, i + 2);
        if (At(i + 1) == '~') return Fail(i, "unexpected character after '=': '~'");
        return Emit(TokenKind::kAssign, i, i + 1);
      case '!':
        if (At(i + 1) == '=') return Emit(TokenKind::kNeq, i, i + 2);
        return Fail(i, "unexpected character after '!': " + RuneAt(i + 1));
      case '<':
        if (At(i + 1) == '=') return Emit(TokenKind::kLte, i, i + 2);
        return Emit(TokenKind::kLss, i, i + 1);
      case '>':
        if (At(i + 1) == '=') return Emit(TokenKind::kGte, i, i + 2);
        return Emit(TokenKind::kGtr, i, i + 1);
      case '"':
      case '\'':
      case '`':
        return String();
      case '(':
        ++paren_depth_;
        return Emit(TokenKind::kLeftParen, i, i + 1);
      case ')':
        if (--paren_depth_ < 0) return Fail(i + 1, "unexpected right parenthesis ')'");
        return Emit(TokenKind::kRightParen, i, i + 1);
      case '{':
        in_braces_ = true;
        return Emit(TokenKind::kLeftBrace, i, i + 1);
      case '[':
        in_brackets_ = true;
        bracket_colon_ = false;
        return Emit(TokenKind::kLeftBracket, i, i + 1);
      case ']':
        return Fail(i, "unexpected right bracket ']'");
      default:
        break;
    }
    if (IsDigit(c) || (c == '.' && IsDigit(At(i + 1)))) return NumberOrDuration();
    if (IsAlpha(c) || c == ':') return Word();
    return Fail(i, "unexpected character: " + RuneAt(i));
  }

  bool InsideBraces() {
    size_t i = i_;
    char c = s_[i];
    if (IsAlpha(c)) {
      size_t k = i;
      while (k < s_.size() && IsAlnum(s_[k])) ++k;
      return Emit(TokenKind::kIdentifier, i, k, std::string(s_.substr(i, k - i)));
    }
    switch (c) {
      case ',':
        return Emit(TokenKind::kComma, i, i + 1);
      case '"':
      case '\'':
      case '`':
        return String();
      case '=':
        if (At(i + 1) == '~') return Emit(TokenKind::kRegexMatch, i, i + 2);
        return Emit(TokenKind::kAssign, i, i + 1);
      case '!':
        if (At(i + 1) == '~') return Emit(TokenKind::kRegexNoMatch, i, i + 2);
        if (At(i + 1) == '=') return Emit(TokenKind::kNeq, i, i + 2);
        return Fail(i, "unexpected character after '!' inside braces: " + RuneAt(i + 1));
      case '{':
        return Fail(i, "unexpected left brace '{'");
      case '}':
        in_braces_ = false;
        return Emit(TokenKind::kRightBrace, i, i + 1);
      default:
        return Fail(i, "unexpected character inside braces: " + RuneAt(i));
    }
  }

  // Inside [...]: durations and numbers, ':', and the tokens of duration arithmetic (which
  // the parser refuses as experimental).
  bool InsideBrackets() {
    size_t i = i_;
    char c = s_[i];
    if (IsDigit(c) || (c == '.' && IsDigit(At(i + 1)))) return NumberOrDuration();
    switch (c) {
      case ':':
        if (bracket_colon_) return Fail(i, "unexpected repeated colon in duration expression");
        bracket_colon_ = true;
        return Emit(TokenKind::kColon, i, i + 1);
      case ']':
        in_brackets_ = false;
        return Emit(TokenKind::kRightBracket, i, i + 1);
      case '[':
        return Fail(i, "unexpected left bracket '['");
      case '(':
        ++paren_depth_;
        return Emit(TokenKind::kLeftParen, i, i + 1);
      case ')':
        if (--paren_depth_ < 0) return Fail(i + 1, "unexpected right parenthesis ')'");
        return Emit(TokenKind::kRightParen, i, i + 1);
      case '+':
        return Emit(TokenKind::kAdd, i, i + 1);
      case '-':
        return Emit(TokenKind::kSub, i, i + 1);
      case '*':
        return Emit(TokenKind::kMul, i, i + 1);
      case '/':
        return Emit(TokenKind::kDiv, i, i + 1);
      case '%':
        return Emit(TokenKind::kMod, i, i + 1);
      case '^':
        return Emit(TokenKind::kPow, i, i + 1);
      default:
        return Fail(i, "unexpected character in duration expression: " + RuneAt(i));
    }
  }

  bool NumberOrDuration() {
    size_t start = i_;
    if (size_t end = ScanNumber(s_, start); end != kNpos) {
      return Emit(TokenKind::kNumber, start, end, std::string(s_.substr(start, end - start)));
    }
    if (size_t end = ScanDuration(s_, start); end != kNpos) {
      return Emit(TokenKind::kDuration, start, end, std::string(s_.substr(start, end - start)));
    }
    size_t k = start;
    while (k < s_.size() && (IsAlnum(s_[k]) || s_[k] == '.')) ++k;
    return Fail(start, fmt::format("bad number or duration syntax: {}",
                                   QuoteString(s_.substr(start, k - start))));
  }

  bool Word() {
    size_t start = i_;
    size_t k = start;
    bool colon = false;
    while (k < s_.size() && (IsAlnum(s_[k]) || s_[k] == ':')) {
      colon = colon || s_[k] == ':';
      ++k;
    }
    std::string_view word = s_.substr(start, k - start);
    if (EqualsLower(word, "inf") || EqualsLower(word, "nan")) {
      return Emit(TokenKind::kNumber, start, k, std::string(word));
    }
    if (colon) return Emit(TokenKind::kMetricIdentifier, start, k, std::string(word));
    return Emit(TokenKind::kIdentifier, start, k, std::string(word), LookupKeyword(word));
  }

  // A quoted string at s_[i_]: "..." and '...' with Go escapes, `...` raw. Errors are
  // reported at the opening quote.
  bool String() {
    size_t start = i_;
    char quote = s_[start];
    bool raw = quote == '`';
    std::string value;
    size_t k = start + 1;
    while (true) {
      if (k >= s_.size()) {
        return Fail(start, raw ? "unterminated raw string" : "unterminated quoted string");
      }
      char c = s_[k];
      if (c == quote) break;
      if (!raw && c == '\n') return Fail(start, "unterminated quoted string");
      if (!raw && c == '\\') {
        if (!Escape(start, quote, &k, &value)) return false;
        continue;
      }
      size_t len = Utf8SequenceLength(s_, k);
      if (len == 0) return Fail(start, "invalid UTF-8 rune");
      value.append(s_.substr(k, len));
      k += len;
    }
    return Emit(TokenKind::kString, start, k + 1, std::move(value));
  }

  // The escape sequence whose backslash is at s_[*k]; appends its value.
  bool Escape(size_t start, char quote, size_t* k, std::string* value) {
    size_t i = *k + 1;
    if (i >= s_.size()) return Fail(start, "escape sequence not terminated");
    char e = s_[i];
    int digits = 0;
    uint32_t base = 16;
    uint32_t max = 255;
    switch (e) {
      case 'a':
        value->push_back('\a');
        break;
      case 'b':
        value->push_back('\b');
        break;
      case 'f':
        value->push_back('\f');
        break;
      case 'n':
        value->push_back('\n');
        break;
      case 'r':
        value->push_back('\r');
        break;
      case 't':
        value->push_back('\t');
        break;
      case 'v':
        value->push_back('\v');
        break;
      case '\\':
        value->push_back('\\');
        break;
      case '0':
      case '1':
      case '2':
      case '3':
      case '4':
      case '5':
      case '6':
      case '7':
        digits = 3;
        base = 8;
        --i;  // the first digit is `e` itself
        break;
      case 'x':
        digits = 2;
        break;
      case 'u':
        digits = 4;
        max = 0x10FFFF;
        break;
      case 'U':
        digits = 8;
        max = 0x10FFFF;
        break;
      default:
        if (e == quote) {
          value->push_back(e);
          break;
        }
        {
          size_t len = 0;
          return Fail(start, "unknown escape sequence " + FormatCodePoint(DecodeRune(s_, i, &len)));
        }
    }
    ++i;
    if (digits == 0) {
      *k = i;
      return true;
    }
    uint32_t v = 0;
    for (int d = 0; d < digits; ++d, ++i) {
      if (i >= s_.size()) return Fail(start, "escape sequence not terminated");
      auto dv = static_cast<uint32_t>(HexValue(s_[i]));
      if (dv >= base) {
        size_t len = 0;
        return Fail(start, fmt::format("illegal character {} in escape sequence",
                                       FormatCodePoint(DecodeRune(s_, i, &len))));
      }
      v = v * base + dv;
    }
    if (v > max || (v >= 0xD800 && v < 0xE000)) {
      return Fail(start, "escape sequence is an invalid Unicode code point");
    }
    if (max == 255) {
      value->push_back(static_cast<char>(v));
    } else {
      AppendUtf8(v, value);
    }
    *k = i;
    return true;
  }

  std::string_view s_;
  size_t i_ = 0;
  std::vector<Token> out_;
  int paren_depth_ = 0;
  bool in_braces_ = false;
  bool in_brackets_ = false;
  bool bracket_colon_ = false;
};

}  // namespace

std::vector<Token> Lex(std::string_view query) { return Lexer(query).Run(); }

std::string QuoteString(std::string_view s) {
  std::string out = "\"";
  out.reserve(s.size() + 2);
  size_t i = 0;
  while (i < s.size()) {
    size_t len = Utf8SequenceLength(s, i);
    if (len == 0) {
      out.append(fmt::format("\\x{:02x}", static_cast<unsigned char>(s[i])));
      ++i;
      continue;
    }
    AppendEscapedRune(DecodeRune(s, i, &len), '"', &out);
    i += len;
  }
  out.push_back('"');
  return out;
}

std::string DescribeToken(const Token& t, std::string_view query) {
  switch (t.kind) {
    case TokenKind::kEof:
      return "end of input";
    case TokenKind::kError:
      return t.text;
    case TokenKind::kIdentifier:
      switch (t.keyword) {
        case Keyword::kNone:
          return "identifier " + QuoteString(t.text);
        case Keyword::kAnd:
        case Keyword::kOr:
        case Keyword::kUnless:
        case Keyword::kAtan2:
          return fmt::format("<op:{}>", t.text);
        case Keyword::kSum:
        case Keyword::kAvg:
        case Keyword::kCount:
        case Keyword::kMin:
        case Keyword::kMax:
        case Keyword::kGroup:
        case Keyword::kStddev:
        case Keyword::kStdvar:
        case Keyword::kTopk:
        case Keyword::kBottomk:
        case Keyword::kCountValues:
        case Keyword::kQuantile:
        case Keyword::kLimitk:
        case Keyword::kLimitRatio:
          return fmt::format("<aggr:{}>", t.text);
        case Keyword::kStart:
        case Keyword::kEnd:
          return QuoteString(t.text);
        default:
          return fmt::format("<{}>", t.text);
      }
    case TokenKind::kMetricIdentifier:
      return "metric identifier " + QuoteString(t.text);
    case TokenKind::kNumber:
      return "number " + QuoteString(t.text);
    case TokenKind::kDuration:
      return "duration " + QuoteString(t.text);
    case TokenKind::kString: {
      // Go's "%.10q..." of the source text: at most 10 characters.
      std::string_view src = query.substr(t.pos, t.end - t.pos);
      if (src.size() <= 10) return "string " + QuoteString(src);
      size_t k = 0;
      for (int runes = 0; runes < 10 && k < src.size(); ++runes) {
        size_t len = Utf8SequenceLength(src, k);
        k += len == 0 ? 1 : len;
      }
      return "string " + QuoteString(src.substr(0, k)) + "...";
    }
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
    case TokenKind::kAt:
      return "\"@\"";
    case TokenKind::kEql:
      return "<op:==>";
    case TokenKind::kNeq:
      return "<op:!=>";
    case TokenKind::kRegexMatch:
      return "<op:=~>";
    case TokenKind::kRegexNoMatch:
      return "<op:!~>";
    case TokenKind::kLss:
      return "<op:<>";
    case TokenKind::kLte:
      return "<op:<=>";
    case TokenKind::kGtr:
      return "<op:>>";
    case TokenKind::kGte:
      return "<op:>=>";
    case TokenKind::kAdd:
      return "<op:+>";
    case TokenKind::kSub:
      return "<op:->";
    case TokenKind::kMul:
      return "<op:*>";
    case TokenKind::kDiv:
      return "<op:/>";
    case TokenKind::kMod:
      return "<op:%>";
    case TokenKind::kPow:
      return "<op:^>";
  }
  return "token";
}

}  // namespace lm::promql
