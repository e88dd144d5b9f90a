// The analysis follows the idea of Russ Cox's "Regular Expression Matching with a Trigram
// Index": for every sub-expression either the exact set of (folded) strings it can match,
// when small, or a TrigramQuery its matches satisfy. Literal characters that case-insensitive
// matching could meet as a different byte sequence (non-ASCII, k and s) are "unknown".
#include "store/logs/regex_trigrams.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

namespace lm::store::logs {
namespace {

constexpr size_t kMaxExactStrings = 16;
constexpr size_t kMaxExactLength = 128;

struct Info {
  bool exact_known = false;
  std::vector<std::string> exact;  // sorted, unique; when exact_known
  TrigramQuery required;           // when !exact_known
};

Info Exact(std::vector<std::string> set) {
  std::sort(set.begin(), set.end());
  set.erase(std::unique(set.begin(), set.end()), set.end());
  Info i;
  i.exact_known = true;
  i.exact = std::move(set);
  return i;
}

Info Unknown(TrigramQuery required = TrigramQuery::All()) {
  Info i;
  i.required = std::move(required);
  return i;
}

TrigramQuery ExactQuery(const std::vector<std::string>& set) {
  TrigramQuery q = TrigramQuery::None();
  for (const std::string& s : set) q = TrigramQuery::Or(q, TrigramQuery::Clause(TextTrigrams(s)));
  return q;
}

TrigramQuery Effective(const Info& i) { return i.exact_known ? ExactQuery(i.exact) : i.required; }

Info Alternate(const Info& a, const Info& b) {
  if (a.exact_known && b.exact_known && a.exact.size() + b.exact.size() <= kMaxExactStrings) {
    std::vector<std::string> u = a.exact;
    u.insert(u.end(), b.exact.begin(), b.exact.end());
    return Exact(std::move(u));
  }
  return Unknown(TrigramQuery::Or(Effective(a), Effective(b)));
}

Info Concatenate(const std::vector<Info>& items) {
  TrigramQuery required = TrigramQuery::All();
  std::vector<std::string> run = {""};  // exact strings of the trailing run of items
  bool flushed = false;
  auto flush = [&] {
    required = TrigramQuery::And(required, ExactQuery(run));
    run = {""};
    flushed = true;
  };
  for (const Info& item : items) {
    if (!item.exact_known) {
      flush();
      required = TrigramQuery::And(required, item.required);
      continue;
    }
    size_t longest = 0;
    for (const auto& s : run) longest = std::max(longest, s.size());
    for (const auto& s : item.exact) longest = std::max(longest, s.size());
    if (run.size() * item.exact.size() > kMaxExactStrings || longest > kMaxExactLength) flush();
    std::vector<std::string> product;
    for (const auto& x : run) {
      for (const auto& y : item.exact) product.push_back(x + y);
    }
    run = std::move(Exact(std::move(product)).exact);
  }
  if (!flushed) return Exact(std::move(run));
  flush();
  return Unknown(std::move(required));
}

// min_count/max_count as in x{min,max}; max_count < 0 means unbounded.
Info Repeat(const Info& x, int min_count, int max_count) {
  if (min_count == 0) {
    if (max_count == 1 && x.exact_known && x.exact.size() < kMaxExactStrings) {
      std::vector<std::string> s = x.exact;
      s.emplace_back();
      return Exact(std::move(s));
    }
    return Unknown();
  }
  if (min_count == 1 && max_count == 1) return x;
  return Unknown(Effective(x));
}

bool IsOctal(char c) { return c >= '0' && c <= '7'; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsAsciiAlnum(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

std::string EncodeUtf8(uint32_t cp) {
  std::string s;
  if (cp < 0x80) {
    s.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    s.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    s.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    s.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    s.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    s.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    s.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
  return s;
}

// A literal character `cp` under the current case mode.
Info Char(uint32_t cp, bool ci) {
  if (cp < 0x80) {
    if (ci && !IsFoldSafe(static_cast<uint8_t>(cp))) return Unknown();
    return Exact({std::string(1, static_cast<char>(FoldAscii(static_cast<uint8_t>(cp))))});
  }
  if (ci || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) return Unknown();
  return Exact({EncodeUtf8(cp)});
}

class Parser {
 public:
  explicit Parser(std::string_view p) : p_(p) {}

  std::optional<Info> Run(bool ci) {
    Info info = ParseAlternation(&ci);
    if (failed_ || pos_ != p_.size()) return std::nullopt;
    return info;
  }

 private:
  bool AtEnd() const { return pos_ >= p_.size(); }
  char Peek(size_t ahead = 0) const { return pos_ + ahead < p_.size() ? p_[pos_ + ahead] : '\0'; }

  // `ci` is the group's (?i) state: a flag group changes it up to the end of the group.
  Info ParseAlternation(bool* ci) {
    Info acc = ParseConcatenation(ci);
    while (!failed_ && !AtEnd() && Peek() == '|') {
      ++pos_;
      acc = Alternate(acc, ParseConcatenation(ci));
    }
    return acc;
  }

  Info ParseConcatenation(bool* ci) {
    std::vector<Info> items;
    // Where the last atom's items begin: a quantifier applies to them (a flag group adds no
    // item, so "a(?i)*" repeats the a, as in RE2).
    size_t unit = 0;
    auto repeat = [&](int lo, int hi) {
      if (unit >= items.size()) return Fail();
      std::vector<Info> parts(items.begin() + static_cast<ptrdiff_t>(unit), items.end());
      items.resize(unit);
      Info x = parts.size() == 1 ? std::move(parts[0]) : Concatenate(parts);
      if (lo >= 1 && x.exact_known && !(lo == 1 && hi == 1)) {
        // x{lo,hi} is x followed by something: x's strings can join the surrounding run.
        items.push_back(std::move(x));
        items.push_back(Unknown());
      } else {
        items.push_back(Repeat(x, lo, hi));
      }
      return true;
    };
    while (!failed_ && !AtEnd() && Peek() != '|' && Peek() != ')') {
      const char c = Peek();
      if (c == '*' || c == '+' || c == '?') {
        ++pos_;
        if (Peek() == '?') ++pos_;
        repeat(c == '+' ? 1 : 0, c == '?' ? 1 : -1);
        continue;
      }
      if (c == '{') {
        int lo = 0, hi = 0;
        if (ParseRepetition(&lo, &hi)) {
          if (Peek() == '?') ++pos_;
          repeat(lo, hi);
          continue;
        }
      }
      const size_t before = items.size();
      ParseAtom(ci, &items, &unit);
      if (items.size() > before && unit < before) unit = before;
    }
    return Concatenate(items);
  }

  // {n}, {n,} or {n,m}; consumes it and returns true, or leaves pos_ for a literal '{'.
  bool ParseRepetition(int* lo, int* hi) {
    size_t i = pos_ + 1;
    auto number = [&](int* out) {
      size_t start = i;
      long v = 0;
      while (i < p_.size() && p_[i] >= '0' && p_[i] <= '9') {
        v = std::min(v * 10 + (p_[i] - '0'), 100000L);
        ++i;
      }
      *out = static_cast<int>(v);
      return i > start;
    };
    if (!number(lo)) return false;
    *hi = *lo;
    if (i < p_.size() && p_[i] == ',') {
      ++i;
      if (!number(hi)) *hi = -1;
    }
    if (i >= p_.size() || p_[i] != '}') return false;
    pos_ = i + 1;
    return true;
  }

  // Appends the atom's items. `*unit` is set to where the last quantifiable unit begins when
  // the atom adds several (\Q...\E); otherwise the caller sets it.
  void ParseAtom(bool* ci, std::vector<Info>* items, size_t* unit) {
    const char c = Peek();
    switch (c) {
      case '(':
        ParseGroup(ci, items);
        return;
      case '[':
        SkipClass();
        items->push_back(Unknown());
        return;
      case '.':
        ++pos_;
        items->push_back(Unknown());
        return;
      case '^':
      case '$':
        ++pos_;
        items->push_back(Exact({""}));
        return;
      case '\\':
        ParseBackslash(*ci, items, unit);
        return;
      default: {
        uint32_t cp = 0;
        size_t start = pos_;
        if (!NextRune(&cp)) return;
        if (cp < 0x80 || *ci) {
          items->push_back(Char(cp, *ci));
        } else {
          items->push_back(Exact({std::string(p_.substr(start, pos_ - start))}));
        }
      }
    }
  }

  void ParseGroup(bool* ci, std::vector<Info>* items) {
    ++pos_;  // '('
    bool inner = *ci;
    if (Peek() == '?') {
      if ((Peek(1) == 'P' && Peek(2) == '<') || Peek(1) == '<') {
        size_t close = p_.find('>', pos_);
        if (close == std::string_view::npos) {
          Fail();
          return;
        }
        pos_ = close + 1;
      } else {
        ++pos_;
        bool negated = false;
        bool flag_ci = *ci;
        while (true) {
          const char f = Peek();
          ++pos_;
          if (f == 'i') {
            flag_ci = !negated;
          } else if (f == 'm' || f == 's' || f == 'U') {
            // multi-line, dot-all and ungreedy do not change which literals a match holds
          } else if (f == '-') {
            negated = true;
          } else if (f == ':') {
            inner = flag_ci;
            break;
          } else if (f == ')') {
            *ci = flag_ci;  // a flag setting, not a group: no item
            return;
          } else {
            Fail();
            return;
          }
        }
      }
    }
    if (++depth_ > kMaxDepth) {
      Fail();
      return;
    }
    Info g = ParseAlternation(&inner);
    --depth_;
    if (Peek() != ')') {
      Fail();
      return;
    }
    ++pos_;
    items->push_back(std::move(g));
  }

  void ParseBackslash(bool ci, std::vector<Info>* items, size_t* unit) {
    const char c = Peek(1);
    switch (c) {
      case 'b':
      case 'B':
      case 'A':
      case 'z':
        pos_ += 2;
        items->push_back(Exact({""}));
        return;
      case 'C':
      case 'd':
      case 'D':
      case 's':
      case 'S':
      case 'w':
      case 'W':
        pos_ += 2;
        items->push_back(Unknown());
        return;
      case 'p':
      case 'P':
        SkipUnicodeGroup();
        items->push_back(Unknown());
        return;
      case 'Q': {
        pos_ += 2;
        while (!AtEnd() && !failed_) {
          if (Peek() == '\\' && Peek(1) == 'E') {
            pos_ += 2;
            break;
          }
          uint32_t cp = 0;
          size_t start = pos_;
          if (!NextRune(&cp)) return;
          *unit = items->size();
          if (cp < 0x80 || ci) {
            items->push_back(Char(cp, ci));
          } else {
            items->push_back(Exact({std::string(p_.substr(start, pos_ - start))}));
          }
        }
        return;
      }
      default: {
        uint32_t cp = 0;
        if (!ParseEscape(&cp)) return;
        items->push_back(Char(cp, ci));
      }
    }
  }

  // At '\\': a single-character escape, as RE2's ParseEscape.
  bool ParseEscape(uint32_t* cp) {
    ++pos_;
    if (AtEnd()) return Fail();
    const char c = p_[pos_++];
    switch (c) {
      case '1':
      case '2':
      case '3':
      case '4':
      case '5':
      case '6':
      case '7':
        if (!IsOctal(Peek())) return Fail();
        [[fallthrough]];
      case '0': {
        uint32_t code = static_cast<uint32_t>(c - '0');
        for (int k = 0; k < 2 && IsOctal(Peek()); ++k) code = code * 8 + (p_[pos_++] - '0');
        *cp = code;
        return true;
      }
      case 'x': {
        if (Peek() == '{') {
          ++pos_;
          uint32_t code = 0;
          int digits = 0;
          while (HexValue(Peek()) >= 0) {
            code = std::min<uint32_t>(code * 16 + HexValue(p_[pos_++]), 0x110000);
            ++digits;
          }
          if (Peek() != '}' || digits == 0) return Fail();
          ++pos_;
          *cp = code;
          return true;
        }
        if (HexValue(Peek()) < 0 || HexValue(Peek(1)) < 0) return Fail();
        *cp = static_cast<uint32_t>(HexValue(Peek()) * 16 + HexValue(Peek(1)));
        pos_ += 2;
        return true;
      }
      case 'n':
        *cp = '\n';
        return true;
      case 'r':
        *cp = '\r';
        return true;
      case 't':
        *cp = '\t';
        return true;
      case 'a':
        *cp = '\a';
        return true;
      case 'f':
        *cp = '\f';
        return true;
      case 'v':
        *cp = '\v';
        return true;
      default:
        if (static_cast<unsigned char>(c) < 0x80 && !IsAsciiAlnum(c)) {
          *cp = static_cast<unsigned char>(c);
          return true;
        }
        return Fail();
    }
  }

  // At "\p" or "\P": \pL or \p{Name}.
  void SkipUnicodeGroup() {
    pos_ += 2;
    if (Peek() == '{') {
      size_t close = p_.find('}', pos_);
      if (close == std::string_view::npos) {
        Fail();
        return;
      }
      pos_ = close + 1;
    } else {
      uint32_t cp = 0;
      NextRune(&cp);
    }
  }

  // At '[': skips the class as RE2's ParseCharClass reads it.
  void SkipClass() {
    ++pos_;
    if (Peek() == '^') ++pos_;
    bool first = true;
    while (!failed_ && !AtEnd() && (Peek() != ']' || first)) {
      first = false;
      if (Peek() == '[' && Peek(1) == ':' && p_.size() - pos_ > 2) {
        size_t close = p_.find(":]", pos_ + 2);
        if (close != std::string_view::npos) {
          pos_ = close + 2;
          continue;
        }
      }
      if (Peek() == '\\' && (Peek(1) == 'p' || Peek(1) == 'P') && p_.size() - pos_ > 2) {
        SkipUnicodeGroup();
        continue;
      }
      if (Peek() == '\\' && std::string_view("dDsSwW").find(Peek(1)) != std::string_view::npos &&
          pos_ + 1 < p_.size()) {
        pos_ += 2;
        continue;
      }
      SkipClassChar();
      if (p_.size() - pos_ >= 2 && Peek() == '-' && Peek(1) != ']') {
        ++pos_;
        SkipClassChar();
      }
    }
    if (AtEnd()) {
      Fail();
      return;
    }
    ++pos_;  // ']'
  }

  void SkipClassChar() {
    uint32_t cp = 0;
    if (Peek() == '\\') {
      ParseEscape(&cp);
    } else {
      NextRune(&cp);
    }
  }

  // Decodes the UTF-8 character at pos_ and advances past it.
  bool NextRune(uint32_t* cp) {
    const auto b = static_cast<unsigned char>(Peek());
    size_t len = b < 0x80           ? 1
                 : (b >> 5) == 0x6  ? 2
                 : (b >> 4) == 0xE  ? 3
                 : (b >> 3) == 0x1E ? 4
                                    : 0;
    if (len == 0 || pos_ + len > p_.size()) return Fail();
    uint32_t v = len == 1 ? b : len == 2 ? (b & 0x1F) : len == 3 ? (b & 0x0F) : (b & 0x07);
    for (size_t k = 1; k < len; ++k) {
      const auto cont = static_cast<unsigned char>(p_[pos_ + k]);
      if ((cont & 0xC0) != 0x80) return Fail();
      v = (v << 6) | (cont & 0x3F);
    }
    pos_ += len;
    *cp = v;
    return true;
  }

  // Marks the pattern as not understood (the analysis then yields TrigramQuery::All()).
  bool Fail() {
    failed_ = true;
    return false;
  }

  static constexpr int kMaxDepth = 100;  // deeper nesting is analysed as "any text"

  std::string_view p_;
  size_t pos_ = 0;
  int depth_ = 0;
  bool failed_ = false;
};

}  // namespace

TrigramQuery RegexTrigrams(std::string_view pattern, bool case_insensitive) {
  Parser parser(pattern);
  std::optional<Info> info = parser.Run(case_insensitive);
  if (!info) return TrigramQuery::All();
  return Effective(*info);
}

}  // namespace lm::store::logs
