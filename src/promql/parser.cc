#include "promql/parser.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "common/utf8.h"
#include "promql/functions.h"
#include "promql/lexer.h"

namespace lm::promql {
namespace {

// Seconds beyond which a duration does not fit Go's time.Duration (int64 nanoseconds).
constexpr double kMaxDurationSeconds = 9223372036.854775807;

int Precedence(BinaryOp op) {
  switch (op) {
    case BinaryOp::kOr:
      return 1;
    case BinaryOp::kAnd:
    case BinaryOp::kUnless:
      return 2;
    case BinaryOp::kEql:
    case BinaryOp::kNeq:
    case BinaryOp::kGtr:
    case BinaryOp::kLss:
    case BinaryOp::kGte:
    case BinaryOp::kLte:
      return 3;
    case BinaryOp::kAdd:
    case BinaryOp::kSub:
      return 4;
    case BinaryOp::kMul:
    case BinaryOp::kDiv:
    case BinaryOp::kMod:
    case BinaryOp::kAtan2:
      return 5;
    case BinaryOp::kPow:
      return 6;
  }
  return 0;
}

// Unary minus binds tighter than * but looser than ^: its operand is a chain of ^.
constexpr int kUnaryOperandPrecedence = 6;

std::optional<BinaryOp> BinaryOpOf(const Token& t) {
  switch (t.kind) {
    case TokenKind::kAdd:
      return BinaryOp::kAdd;
    case TokenKind::kSub:
      return BinaryOp::kSub;
    case TokenKind::kMul:
      return BinaryOp::kMul;
    case TokenKind::kDiv:
      return BinaryOp::kDiv;
    case TokenKind::kMod:
      return BinaryOp::kMod;
    case TokenKind::kPow:
      return BinaryOp::kPow;
    case TokenKind::kEql:
      return BinaryOp::kEql;
    case TokenKind::kNeq:
      return BinaryOp::kNeq;
    case TokenKind::kGtr:
      return BinaryOp::kGtr;
    case TokenKind::kLss:
      return BinaryOp::kLss;
    case TokenKind::kGte:
      return BinaryOp::kGte;
    case TokenKind::kLte:
      return BinaryOp::kLte;
    case TokenKind::kIdentifier:
      switch (t.keyword) {
        case Keyword::kAnd:
          return BinaryOp::kAnd;
        case Keyword::kOr:
          return BinaryOp::kOr;
        case Keyword::kUnless:
          return BinaryOp::kUnless;
        case Keyword::kAtan2:
          return BinaryOp::kAtan2;
        default:
          return std::nullopt;
      }
    default:
      return std::nullopt;
  }
}

std::optional<AggregateOp> AggregateOpOf(Keyword k) {
  switch (k) {
    case Keyword::kSum:
      return AggregateOp::kSum;
    case Keyword::kAvg:
      return AggregateOp::kAvg;
    case Keyword::kCount:
      return AggregateOp::kCount;
    case Keyword::kMin:
      return AggregateOp::kMin;
    case Keyword::kMax:
      return AggregateOp::kMax;
    case Keyword::kGroup:
      return AggregateOp::kGroup;
    case Keyword::kStddev:
      return AggregateOp::kStddev;
    case Keyword::kStdvar:
      return AggregateOp::kStdvar;
    case Keyword::kTopk:
      return AggregateOp::kTopk;
    case Keyword::kBottomk:
      return AggregateOp::kBottomk;
    case Keyword::kCountValues:
      return AggregateOp::kCountValues;
    case Keyword::kQuantile:
      return AggregateOp::kQuantile;
    case Keyword::kLimitk:
      return AggregateOp::kLimitk;
    case Keyword::kLimitRatio:
      return AggregateOp::kLimitRatio;
    default:
      return std::nullopt;
  }
}

bool IsKeyword(const Token& t, Keyword k) {
  return t.kind == TokenKind::kIdentifier && t.keyword == k;
}

// Prometheus' internal names of the value types, used by the subquery message.
std::string_view InternalTypeName(ValueType t) {
  switch (t) {
    case ValueType::kScalar:
      return "scalar";
    case ValueType::kString:
      return "string";
    case ValueType::kVector:
      return "vector";
    case ValueType::kMatrix:
      return "matrix";
  }
  return "none";
}

// Go's %f of a float (Inf and NaN spelled as Go does).
std::string GoFloat(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  return fmt::format("{:f}", v);
}

// Parses digits of `base` into *out; false on overflow or a bad digit.
bool ParseUnsigned(std::string_view s, unsigned base, uint64_t* out) {
  uint64_t v = 0;
  for (char c : s) {
    unsigned d = 0;
    if (c >= '0' && c <= '9') {
      d = static_cast<unsigned>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      d = static_cast<unsigned>(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
      d = static_cast<unsigned>(c - 'A' + 10);
    } else {
      return false;
    }
    if (d >= base) return false;
    if (v > (std::numeric_limits<uint64_t>::max() - d) / base) return false;
    v = v * base + d;
  }
  *out = v;
  return !s.empty();
}

// The value of a number token with the semantics of Prometheus (Go's ParseInt with base
// prefix detection, then ParseFloat): "0x1f", "010" (octal), "1_000", "1.5e3", "Inf".
std::optional<double> NumberValue(std::string_view text, std::string* error) {
  std::string t;
  t.reserve(text.size());
  for (char c : text) {
    if (c != '_') t.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  if (t == "inf") return std::numeric_limits<double>::infinity();
  if (t == "nan") return std::numeric_limits<double>::quiet_NaN();
  constexpr uint64_t kMaxInt = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  uint64_t u = 0;
  if (t.size() > 2 && t[0] == '0' && t[1] == 'x') {
    if (ParseUnsigned(std::string_view(t).substr(2), 16, &u) && u <= kMaxInt) {
      return static_cast<double>(u);
    }
    *error = fmt::format("strconv.ParseFloat: parsing {}: invalid syntax", QuoteString(text));
    return std::nullopt;
  }
  if (t.size() > 1 && t[0] == '0' && ParseUnsigned(t, 8, &u) && u <= kMaxInt) {
    return static_cast<double>(u);
  }
  double v = 0;
  auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec == std::errc::result_out_of_range) {
    // Underflow is a zero; overflow is an error (as in Go).
    size_t e = t.find('e');
    bool tiny = e != std::string::npos
                    ? e + 1 < t.size() && t[e + 1] == '-'
                    : t.substr(0, t.find('.')).find_first_not_of('0') == std::string::npos;
    if (tiny) return 0.0;
    *error = fmt::format("strconv.ParseFloat: parsing {}: value out of range", QuoteString(text));
    return std::nullopt;
  }
  if (ec != std::errc() || ptr != t.data() + t.size()) {
    *error = fmt::format("strconv.ParseFloat: parsing {}: invalid syntax", QuoteString(text));
    return std::nullopt;
  }
  return v;
}

// The exact milliseconds in a decimal number of seconds ("1603774568.123", "1.5e3"), rounded
// half away from zero like Prometheus' math.Round(ts * 1000) but without its float error, so
// that every "%.3f" Format prints reads back unchanged. nullopt for hex, octal, Inf/NaN and
// values beyond ~1e18 ms (the caller then uses the float value).
std::optional<int64_t> DecimalSecondsToMillis(std::string_view text) {
  std::string digits;
  int exp10 = 3;
  bool dot = false;
  size_t i = 0;
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (c == '_') continue;
    if (c >= '0' && c <= '9') {
      digits.push_back(c);
      if (dot) --exp10;
    } else if (c == '.' && !dot) {
      dot = true;
    } else {
      break;
    }
  }
  if (digits.empty()) return std::nullopt;
  if (!dot && i == text.size() && digits.size() > 1 && digits[0] == '0' &&
      digits.find_first_of("89") == std::string::npos) {
    return std::nullopt;  // octal
  }
  if (i < text.size()) {
    if (text[i] != 'e' && text[i] != 'E') return std::nullopt;
    ++i;
    bool neg = i < text.size() && text[i] == '-';
    if (i < text.size() && (text[i] == '-' || text[i] == '+')) ++i;
    int e = 0;
    for (; i < text.size(); ++i) {
      if (text[i] == '_') continue;
      if (text[i] < '0' || text[i] > '9' || e > 10000) return std::nullopt;
      e = e * 10 + (text[i] - '0');
    }
    exp10 += neg ? -e : e;
  }
  size_t first = digits.find_first_not_of('0');
  if (first == std::string::npos) return 0;
  digits.erase(0, first);
  // value = digits * 10^exp10 milliseconds
  int int_digits = static_cast<int>(digits.size()) + exp10;
  if (int_digits > 18) return std::nullopt;
  int64_t ms = 0;
  for (int k = 0; k < int_digits; ++k) {
    ms = ms * 10 + (k < static_cast<int>(digits.size()) ? digits[static_cast<size_t>(k)] - '0' : 0);
  }
  char dropped = int_digits >= 0 && int_digits < static_cast<int>(digits.size())
                     ? digits[static_cast<size_t>(int_digits)]
                     : '0';
  if (dropped >= '5') ++ms;
  return ms;
}

// The milliseconds of a duration token, with the rules of Prometheus' model.ParseDuration:
// units y, w, d, h, m, s, ms, each at most once and in that order; at most ~292 years.
std::optional<int64_t> DurationValue(std::string_view text, std::string* error) {
  static constexpr struct {
    std::string_view unit;
    uint64_t ms;
  } kUnits[] = {{"y", 365ULL * 24 * 3600 * 1000},
                {"w", 7ULL * 24 * 3600 * 1000},
                {"d", 24ULL * 3600 * 1000},
                {"h", 3600ULL * 1000},
                {"m", 60ULL * 1000},
                {"s", 1000},
                {"ms", 1}};
  constexpr uint64_t kNanosPerMs = 1000000;
  constexpr uint64_t kMaxNanos = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  uint64_t total_ns = 0;
  int last = -1;
  size_t i = 0;
  while (i < text.size()) {
    size_t d = i;
    while (d < text.size() && text[d] >= '0' && text[d] <= '9') ++d;
    size_t u = d;
    while (u < text.size() && !(text[u] >= '0' && text[u] <= '9')) ++u;
    uint64_t v = 0;
    int idx = -1;
    for (int k = 0; k < 7; ++k) {
      if (kUnits[k].unit == text.substr(d, u - d)) idx = k;
    }
    if (!ParseUnsigned(text.substr(i, d - i), 10, &v) || idx <= last) {
      *error = fmt::format("not a valid duration string: {}", QuoteString(text));
      return std::nullopt;
    }
    last = idx;
    uint64_t unit_ns = kUnits[idx].ms * kNanosPerMs;
    if (v > (kMaxNanos + 1) / unit_ns || total_ns + v * unit_ns > kMaxNanos) {
      *error = "duration out of range";
      return std::nullopt;
    }
    total_ns += v * unit_ns;
    i = u;
  }
  return static_cast<int64_t>(total_ns / kNanosPerMs);
}

class Parser {
 public:
  explicit Parser(std::string_view query) : query_(query), toks_(Lex(query)) {}

  Result<ExprPtr> Parse() {
    if (Peek().kind == TokenKind::kEof) return Error(0, "no expression found in input");
    LM_ASSIGN_OR_RETURN(ExprPtr e, ParseBinary(0));
    if (Peek().kind != TokenKind::kEof) return Unexpected(Peek(), "", "");
    LM_RETURN_IF_ERROR(Check(*e).status());
    return e;
  }

 private:
  // Counts nesting while parsing; the count is given back when the scope ends.
  class DepthScope {
   public:
    explicit DepthScope(Parser* p) : p_(p) {}
    ~DepthScope() { p_->depth_ -= added_; }
    DepthScope(const DepthScope&) = delete;
    DepthScope& operator=(const DepthScope&) = delete;

    Status Add(size_t pos) {
      ++added_;
      if (++p_->depth_ > kMaxNestingDepth) {
        return p_->Error(pos, fmt::format("expression nesting exceeds the limit of {} levels",
                                          kMaxNestingDepth));
      }
      return Status::Ok();
    }

   private:
    Parser* p_;
    int added_ = 0;
  };

  const Token& Peek(size_t ahead = 0) const {
    return toks_[std::min(i_ + ahead, toks_.size() - 1)];
  }
  const Token& Next() {
    const Token& t = toks_[i_];
    if (i_ + 1 < toks_.size()) ++i_;
    return t;
  }

  Status Error(size_t pos, std::string_view msg) const {
    if (query_.empty()) {
      return InvalidArgument(fmt::format("unknown position: parse error: {}", msg));
    }
    size_t line = 1;
    size_t line_start = 0;
    for (size_t i = 0; i < pos && i < query_.size(); ++i) {
      if (query_[i] == '\n') {
        ++line;
        line_start = i + 1;
      }
    }
    return InvalidArgument(fmt::format("{}:{}: parse error: {}", line, pos - line_start + 1, msg));
  }

  // "unexpected <token>[ in <context>][, expected <expected>]", or the lexer's error.
  Status Unexpected(const Token& t, std::string_view context, std::string_view expected) const {
    if (t.kind == TokenKind::kError) return Error(t.pos, t.text);
    std::string msg = "unexpected " + DescribeToken(t, query_);
    if (!context.empty()) msg += fmt::format(" in {}", context);
    if (!expected.empty()) msg += fmt::format(", expected {}", expected);
    return Error(t.pos, msg);
  }

  Result<double> Number(const Token& t) const {
    std::string err;
    std::optional<double> v = NumberValue(t.text, &err);
    if (!v) return Error(t.pos, "error parsing number: " + err);
    return *v;
  }

  Result<int64_t> DurationMs(const Token& t) const {
    std::string err;
    std::optional<int64_t> v = DurationValue(t.text, &err);
    if (!v) return Error(t.pos, err);
    return *v;
  }

  // expr := unary (binop modifiers expr)*, by precedence climbing.
  Result<ExprPtr> ParseBinary(int min_prec) {
    DepthScope scope(this);
    LM_RETURN_IF_ERROR(scope.Add(Peek().pos));
    LM_ASSIGN_OR_RETURN(ExprPtr lhs, ParseUnary());
    while (true) {
      std::optional<BinaryOp> op = BinaryOpOf(Peek());
      if (!op || Precedence(*op) < min_prec) break;
      size_t op_pos = Next().pos;
      LM_RETURN_IF_ERROR(scope.Add(op_pos));
      BinaryExpr b;
      b.op = *op;
      LM_RETURN_IF_ERROR(ParseBinModifiers(&b));
      // ^ is right-associative, everything else left-associative.
      int rhs_prec = *op == BinaryOp::kPow ? Precedence(*op) : Precedence(*op) + 1;
      LM_ASSIGN_OR_RETURN(b.rhs, ParseBinary(rhs_prec));
      size_t pos = lhs->pos;
      b.lhs = std::move(lhs);
      lhs = MakeExpr(std::move(b), pos);
      op_pos_[lhs.get()] = op_pos;
    }
    return lhs;
  }

  // [bool] [on|ignoring (labels) [group_left|group_right [(labels)]]]
  Status ParseBinModifiers(BinaryExpr* b) {
    VectorMatching m;
    if (IsKeyword(Peek(), Keyword::kBool)) {
      Next();
      b->return_bool = true;
    }
    if (IsKeyword(Peek(), Keyword::kOn) || IsKeyword(Peek(), Keyword::kIgnoring)) {
      m.on = Next().keyword == Keyword::kOn;
      LM_ASSIGN_OR_RETURN(m.labels, ParseGroupingLabels());
      if (IsKeyword(Peek(), Keyword::kGroupLeft) || IsKeyword(Peek(), Keyword::kGroupRight)) {
        m.card = Next().keyword == Keyword::kGroupLeft ? VectorMatching::Card::kManyToOne
                                                       : VectorMatching::Card::kOneToMany;
        if (Peek().kind == TokenKind::kLeftParen) {
          LM_ASSIGN_OR_RETURN(m.include, ParseGroupingLabels());
        }
      }
    }
    if (IsSetOperator(b->op) && m.card == VectorMatching::Card::kOneToOne) {
      m.card = VectorMatching::Card::kManyToMany;
    }
    b->matching = std::move(m);
    return Status::Ok();
  }

  Result<ExprPtr> ParseUnary() {
    TokenKind kind = Peek().kind;
    if (kind != TokenKind::kAdd && kind != TokenKind::kSub) return ParsePostfix();
    size_t pos = Next().pos;
    LM_ASSIGN_OR_RETURN(ExprPtr operand, ParseBinary(kUnaryOperandPrecedence));
    // Prometheus folds a sign into a number literal.
    if (auto* n = std::get_if<NumberLiteral>(&operand->node)) {
      if (kind == TokenKind::kSub) n->value = -n->value;
      operand->pos = pos;
      return operand;
    }
    UnaryExpr u;
    u.op = kind == TokenKind::kSub ? UnaryOp::kMinus : UnaryOp::kPlus;
    u.expr = std::move(operand);
    return MakeExpr(std::move(u), pos);
  }

  // primary followed by any number of [range], [range:step], offset d, @ t.
  Result<ExprPtr> ParsePostfix() {
    LM_ASSIGN_OR_RETURN(ExprPtr e, ParsePrimary());
    DepthScope scope(this);
    while (true) {
      const Token& t = Peek();
      if (t.kind == TokenKind::kLeftBracket) {
        LM_RETURN_IF_ERROR(scope.Add(t.pos));
        LM_ASSIGN_OR_RETURN(e, ParseRangeOrSubquery(std::move(e)));
      } else if (IsKeyword(t, Keyword::kOffset)) {
        LM_RETURN_IF_ERROR(ParseOffset(e.get()));
      } else if (t.kind == TokenKind::kAt) {
        LM_RETURN_IF_ERROR(ParseAt(e.get()));
      } else {
        return e;
      }
    }
  }

  Result<ExprPtr> ParsePrimary() {
    const Token& t = Peek();
    switch (t.kind) {
      case TokenKind::kNumber: {
        Next();
        LM_ASSIGN_OR_RETURN(double v, Number(t));
        return MakeExpr(NumberLiteral{v}, t.pos);
      }
      case TokenKind::kDuration: {
        Next();
        LM_ASSIGN_OR_RETURN(int64_t ms, DurationMs(t));
        return MakeExpr(NumberLiteral{static_cast<double>(ms) / 1000.0}, t.pos);
      }
      case TokenKind::kString:
        Next();
        return MakeExpr(StringLiteral{t.text}, t.pos);
      case TokenKind::kLeftBrace:
        return ParseSelector();
      case TokenKind::kLeftParen: {
        Next();
        LM_ASSIGN_OR_RETURN(ExprPtr inner, ParseBinary(0));
        if (Peek().kind != TokenKind::kRightParen) return Unexpected(Peek(), "", "");
        Next();
        return MakeExpr(ParenExpr{std::move(inner)}, t.pos);
      }
      case TokenKind::kMetricIdentifier:
        return ParseSelector();
      case TokenKind::kIdentifier:
        break;
      default:
        return Unexpected(t, "", "");
    }
    if (std::optional<AggregateOp> op = AggregateOpOf(t.keyword)) {
      const Token& n = Peek(1);
      if (n.kind == TokenKind::kLeftParen || IsKeyword(n, Keyword::kBy) ||
          IsKeyword(n, Keyword::kWithout)) {
        return ParseAggregate(*op);
      }
      return ParseSelector();  // a metric named like an aggregation: sum(sum)
    }
    switch (t.keyword) {
      case Keyword::kNone:
        if (Peek(1).kind == TokenKind::kLeftParen) return ParseCall();
        return ParseSelector();
      case Keyword::kAnd:
      case Keyword::kOr:
      case Keyword::kUnless:
      case Keyword::kBy:
      case Keyword::kWithout:
      case Keyword::kOffset:
      case Keyword::kStart:
      case Keyword::kEnd:
        return ParseSelector();  // keywords Prometheus accepts as metric names
      default:
        return Unexpected(t, "", "");
    }
  }

  // name, name{matchers}, {matchers}; at the name or "{" token.
  Result<ExprPtr> ParseSelector() {
    size_t pos = Peek().pos;
    VectorSelector vs;
    if (Peek().kind != TokenKind::kLeftBrace) {
      vs.name = Next().text;
      auto m = store::Matcher::Create(store::MatchType::kEqual, "__name__", vs.name);
      if (!m.ok()) return Error(pos, m.error().message());
      vs.matchers.push_back(std::move(m).value());
    }
    if (Peek().kind == TokenKind::kLeftBrace) {
      Next();
      LM_RETURN_IF_ERROR(ParseMatchers(&vs.matchers));
    }
    return MakeExpr(std::move(vs), pos);
  }

  // After "{": matchers up to and including "}".
  Status ParseMatchers(std::vector<store::Matcher>* out) {
    while (Peek().kind != TokenKind::kRightBrace) {
      const Token& label = Peek();
      if (label.kind != TokenKind::kIdentifier && label.kind != TokenKind::kString) {
        return Unexpected(label, "label matching", "identifier or \"}\"");
      }
      Next();
      const Token& op = Peek();
      std::optional<store::MatchType> type;
      switch (op.kind) {
        case TokenKind::kAssign:
          type = store::MatchType::kEqual;
          break;
        case TokenKind::kNeq:
          type = store::MatchType::kNotEqual;
          break;
        case TokenKind::kRegexMatch:
          type = store::MatchType::kRegexMatch;
          break;
        case TokenKind::kRegexNoMatch:
          type = store::MatchType::kRegexNoMatch;
          break;
        default:
          break;
      }
      std::string name = label.text;
      std::string value;
      if (type) {
        Next();
        const Token& v = Peek();
        if (v.kind != TokenKind::kString) return Unexpected(v, "label matching", "string");
        value = Next().text;
      } else if (label.kind == TokenKind::kString) {
        // A quoted name on its own is the metric name: {"my.metric"}.
        type = store::MatchType::kEqual;
        value = std::move(name);
        name = "__name__";
      } else {
        return Unexpected(op, "label matching", "label matching operator");
      }
      auto m = store::Matcher::Create(*type, std::move(name), std::move(value));
      if (!m.ok()) return Error(label.pos, m.error().message());
      out->push_back(std::move(m).value());
      const Token& sep = Peek();
      if (sep.kind == TokenKind::kComma) {
        Next();
      } else if (sep.kind != TokenKind::kRightBrace) {
        return Unexpected(sep, "label matching", "\",\" or \"}\"");
      }
    }
    Next();
    return Status::Ok();
  }

  // op [by|without (labels)] (args) [by|without (labels)]
  Result<ExprPtr> ParseAggregate(AggregateOp op) {
    size_t pos = Next().pos;
    AggregateExpr agg;
    agg.op = op;
    bool have_modifier = false;
    auto modifier = [&]() -> Status {
      agg.without = Next().keyword == Keyword::kWithout;
      LM_ASSIGN_OR_RETURN(agg.grouping, ParseGroupingLabels());
      have_modifier = true;
      return Status::Ok();
    };
    if (IsKeyword(Peek(), Keyword::kBy) || IsKeyword(Peek(), Keyword::kWithout)) {
      LM_RETURN_IF_ERROR(modifier());
    }
    if (Peek().kind != TokenKind::kLeftParen) return Unexpected(Peek(), "aggregation", "");
    Next();
    LM_ASSIGN_OR_RETURN(std::vector<ExprPtr> args, ParseCallArgs());
    if (!have_modifier &&
        (IsKeyword(Peek(), Keyword::kBy) || IsKeyword(Peek(), Keyword::kWithout))) {
      LM_RETURN_IF_ERROR(modifier());
    }
    if (args.empty()) return Error(pos, "no arguments for aggregate expression provided");
    size_t want = AggregateTakesParam(op) ? 2 : 1;
    if (args.size() != want) {
      return Error(pos, fmt::format("wrong number of arguments for aggregate expression provided, "
                                    "expected {}, got {}",
                                    want, args.size()));
    }
    if (want == 2) agg.param = std::move(args[0]);
    agg.expr = std::move(args.back());
    return MakeExpr(std::move(agg), pos);
  }

  Result<ExprPtr> ParseCall() {
    const Token& name = Next();
    Next();  // "("
    LM_ASSIGN_OR_RETURN(std::vector<ExprPtr> args, ParseCallArgs());
    const FunctionInfo* f = FindFunction(name.text);
    if (f == nullptr) {
      return Error(name.pos, fmt::format("unknown function with name {}", QuoteString(name.text)));
    }
    Call c;
    c.function = f;
    c.args = std::move(args);
    return MakeExpr(std::move(c), name.pos);
  }

  // After "(": comma-separated expressions up to and including ")".
  Result<std::vector<ExprPtr>> ParseCallArgs() {
    std::vector<ExprPtr> args;
    if (Peek().kind == TokenKind::kRightParen) {
      Next();
      return args;
    }
    while (true) {
      LM_ASSIGN_OR_RETURN(ExprPtr a, ParseBinary(0));
      args.push_back(std::move(a));
      const Token& t = Peek();
      if (t.kind == TokenKind::kRightParen) {
        Next();
        return args;
      }
      if (t.kind != TokenKind::kComma) return Unexpected(t, "", "");
      Next();
      if (Peek().kind == TokenKind::kRightParen) {
        return Error(t.pos, "trailing commas not allowed in function call args");
      }
    }
  }

  // "(" [label {"," label} [","]] ")" for by/without/on/ignoring/group_x.
  Result<std::vector<std::string>> ParseGroupingLabels() {
    if (Peek().kind != TokenKind::kLeftParen) {
      return Unexpected(Peek(), "grouping opts", "\"(\"");
    }
    Next();
    std::vector<std::string> labels;
    while (Peek().kind != TokenKind::kRightParen) {
      const Token& t = Peek();
      if (t.kind == TokenKind::kString) {
        if (t.text.empty() || !IsValidUtf8(t.text)) {
          return Error(t.pos,
                       fmt::format("invalid label name for grouping: {}", QuoteString(t.text)));
        }
      } else if (t.kind != TokenKind::kIdentifier && t.kind != TokenKind::kMetricIdentifier) {
        return Unexpected(t, "grouping opts", "label");
      }
      labels.push_back(Next().text);
      const Token& sep = Peek();
      if (sep.kind == TokenKind::kComma) {
        Next();
      } else if (sep.kind != TokenKind::kRightParen) {
        return Unexpected(sep, "grouping opts", "\",\" or \")\"");
      }
    }
    Next();
    return labels;
  }

  // A duration inside [...] or after offset: signs, then a duration or a number of seconds.
  // Duration arithmetic is Prometheus' experimental syntax and refused.
  Result<int64_t> ParseDuration(std::string_view context, std::string_view expected,
                                bool in_brackets, bool positive) {
    size_t start = Peek().pos;
    bool negative = false;
    while (Peek().kind == TokenKind::kAdd || Peek().kind == TokenKind::kSub) {
      if (Next().kind == TokenKind::kSub) negative = !negative;
    }
    const Token& t = Peek();
    if (t.kind == TokenKind::kLeftParen) {
      return Error(t.pos, "experimental duration expression is not enabled");
    }
    if (t.kind != TokenKind::kNumber && t.kind != TokenKind::kDuration) {
      return Unexpected(t, context, expected);
    }
    Next();
    int64_t ms = 0;
    if (t.kind == TokenKind::kDuration) {
      LM_ASSIGN_OR_RETURN(ms, DurationMs(t));
      if (negative) ms = -ms;
    } else {
      LM_ASSIGN_OR_RETURN(double v, Number(t));
      if (negative) v = -v;
      if (std::isnan(v) || v > kMaxDurationSeconds || v < -kMaxDurationSeconds) {
        return Error(start, "duration out of range");
      }
      // Go rounds to nanoseconds; Prometheus truncates those to milliseconds.
      ms = static_cast<int64_t>(std::trunc(std::round(v * 1e9) / 1e6));
    }
    if (in_brackets) {
      switch (Peek().kind) {
        case TokenKind::kAdd:
        case TokenKind::kSub:
        case TokenKind::kMul:
        case TokenKind::kDiv:
        case TokenKind::kMod:
        case TokenKind::kPow:
        case TokenKind::kLeftParen:
          return Error(start, "experimental duration expression is not enabled");
        default:
          break;
      }
    }
    if (positive && ms <= 0) return Error(start, "duration must be greater than 0");
    return ms;
  }

  // At "[": a range selector or a subquery of `e`.
  Result<ExprPtr> ParseRangeOrSubquery(ExprPtr e) {
    size_t bracket = Next().pos;
    LM_ASSIGN_OR_RETURN(int64_t range,
                        ParseDuration("subquery selector", "number or duration", true, true));
    size_t pos = e->pos;
    const Token& t = Peek();
    if (t.kind == TokenKind::kRightBracket) {
      Next();
      auto* vs = std::get_if<VectorSelector>(&e->node);
      if (vs == nullptr) return Error(bracket, "ranges only allowed for vector selectors");
      if (vs->offset_ms != 0) return Error(bracket, "no offset modifiers allowed before range");
      if (vs->at.kind != AtModifier::Kind::kNone) {
        return Error(bracket, "no @ modifiers allowed before range");
      }
      MatrixSelector ms;
      ms.selector = std::move(*vs);
      ms.range_ms = range;
      return MakeExpr(std::move(ms), pos);
    }
    if (t.kind != TokenKind::kColon) return Unexpected(t, "subquery or range", "\":\" or \"]\"");
    Next();
    SubqueryExpr sq;
    sq.range_ms = range;
    if (Peek().kind != TokenKind::kRightBracket) {
      LM_ASSIGN_OR_RETURN(sq.step_ms, ParseDuration("subquery selector",
                                                    "number or duration or \"]\"", true, true));
      if (Peek().kind != TokenKind::kRightBracket) {
        return Unexpected(Peek(), "subquery selector", "\"]\"");
      }
    }
    Next();
    sq.expr = std::move(e);
    return MakeExpr(std::move(sq), pos);
  }

  // The offset and @ fields of the selector, range or subquery `e`, or null.
  struct Modifiers {
    int64_t* offset_ms = nullptr;
    AtModifier* at = nullptr;
  };
  static Modifiers ModifiersOf(Expr* e) {
    if (auto* vs = std::get_if<VectorSelector>(&e->node)) return {&vs->offset_ms, &vs->at};
    if (auto* m = std::get_if<MatrixSelector>(&e->node)) {
      return {&m->selector.offset_ms, &m->selector.at};
    }
    if (auto* sq = std::get_if<SubqueryExpr>(&e->node)) return {&sq->offset_ms, &sq->at};
    return {};
  }

  Status ParseOffset(Expr* e) {
    Next();
    LM_ASSIGN_OR_RETURN(int64_t ms, ParseDuration("offset", "number or duration", false, false));
    Modifiers m = ModifiersOf(e);
    if (m.offset_ms == nullptr) {
      return Error(e->pos,
                   "offset modifier must be preceded by an instant vector selector or range "
                   "vector selector or a subquery");
    }
    if (*m.offset_ms != 0) return Error(e->pos, "offset may not be set multiple times");
    *m.offset_ms = ms;
    return Status::Ok();
  }

  Status ParseAt(Expr* e) {
    Next();
    AtModifier at;
    const Token& t = Peek();
    if (IsKeyword(t, Keyword::kStart) || IsKeyword(t, Keyword::kEnd)) {
      Next();
      if (Peek().kind != TokenKind::kLeftParen || Peek(1).kind != TokenKind::kRightParen) {
        const Token& bad = Peek().kind != TokenKind::kLeftParen ? Peek() : Peek(1);
        return Unexpected(bad, "@", "timestamp");
      }
      Next();
      Next();
      at.kind = t.keyword == Keyword::kStart ? AtModifier::Kind::kStart : AtModifier::Kind::kEnd;
    } else {
      bool negative = false;
      if (Peek().kind == TokenKind::kAdd || Peek().kind == TokenKind::kSub) {
        negative = Next().kind == TokenKind::kSub;
      }
      const Token& v = Peek();
      double seconds = 0;
      if (v.kind == TokenKind::kNumber) {
        LM_ASSIGN_OR_RETURN(seconds, Number(v));
      } else if (v.kind == TokenKind::kDuration) {
        LM_ASSIGN_OR_RETURN(int64_t ms, DurationMs(v));
        seconds = static_cast<double>(ms) / 1000.0;
      } else {
        return Unexpected(v, "@", "timestamp");
      }
      Next();
      if (negative) seconds = -seconds;
      constexpr double kLimit = 9223372036854775807.0;  // 2^63, as a double
      if (!std::isfinite(seconds) || seconds >= kLimit || seconds <= -kLimit) {
        return Error(e->pos, "timestamp out of bounds for @ modifier: " + GoFloat(seconds));
      }
      at.kind = AtModifier::Kind::kTimestamp;
      std::optional<int64_t> exact;
      if (v.kind == TokenKind::kNumber) exact = DecimalSecondsToMillis(v.text);
      if (exact) {
        at.timestamp_ms = negative ? -*exact : *exact;
      } else {
        double ms = std::round(seconds * 1000.0);
        at.timestamp_ms = ms >= kLimit    ? std::numeric_limits<int64_t>::max()
                          : ms <= -kLimit ? std::numeric_limits<int64_t>::min()
                                          : static_cast<int64_t>(ms);
      }
    }
    Modifiers m = ModifiersOf(e);
    if (m.at == nullptr) {
      return Error(e->pos,
                   "@ modifier must be preceded by an instant vector selector or range vector "
                   "selector or a subquery");
    }
    if (m.at->kind != AtModifier::Kind::kNone) {
      return Error(e->pos, "@ <timestamp> may not be set multiple times");
    }
    *m.at = at;
    return Status::Ok();
  }

  // Type checking, after a syntactically complete parse, in the order Prometheus checks.

  Result<ValueType> Check(Expr& e) {
    return std::visit([&](auto& n) { return CheckNode(e, n); }, e.node);
  }

  Status ExpectType(Expr& e, ValueType want, std::string_view context) {
    LM_ASSIGN_OR_RETURN(ValueType got, Check(e));
    if (got == want) return Status::Ok();
    return Error(e.pos, fmt::format("expected type {} in {}, got {}", ValueTypeName(want), context,
                                    ValueTypeName(got)));
  }

  Result<ValueType> CheckNode(Expr&, NumberLiteral&) { return ValueType::kScalar; }
  Result<ValueType> CheckNode(Expr&, StringLiteral&) { return ValueType::kString; }

  Result<ValueType> CheckNode(Expr& e, VectorSelector& vs) {
    LM_RETURN_IF_ERROR(CheckSelector(vs, e.pos));
    return ValueType::kVector;
  }

  Result<ValueType> CheckNode(Expr& e, MatrixSelector& ms) {
    LM_RETURN_IF_ERROR(CheckSelector(ms.selector, e.pos));
    return ValueType::kMatrix;
  }

  Status CheckSelector(const VectorSelector& vs, size_t pos) const {
    if (!vs.name.empty()) {
      // matchers[0] is the name written outside the braces.
      for (size_t i = 1; i < vs.matchers.size(); ++i) {
        if (vs.matchers[i].name() == "__name__") {
          return Error(pos, fmt::format("metric name must not be set twice: {} or {}",
                                        QuoteString(vs.name), QuoteString(vs.matchers[i].value())));
        }
      }
      return Status::Ok();
    }
    for (const auto& m : vs.matchers) {
      if (!m.Matches("")) return Status::Ok();
    }
    return Error(pos, "vector selector must contain at least one non-empty matcher");
  }

  Result<ValueType> CheckNode(Expr& e, SubqueryExpr& sq) {
    LM_ASSIGN_OR_RETURN(ValueType t, Check(*sq.expr));
    if (t != ValueType::kVector) {
      return Error(e.pos, fmt::format("subquery is only allowed on instant vector, got {} instead",
                                      InternalTypeName(t)));
    }
    return ValueType::kMatrix;
  }

  Result<ValueType> CheckNode(Expr&, ParenExpr& p) { return Check(*p.expr); }

  Result<ValueType> CheckNode(Expr& e, UnaryExpr& u) {
    LM_ASSIGN_OR_RETURN(ValueType t, Check(*u.expr));
    if (t != ValueType::kScalar && t != ValueType::kVector) {
      return Error(e.pos, fmt::format("unary expression only allowed on expressions of type "
                                      "scalar or instant vector, got {}",
                                      QuoteString(ValueTypeName(t))));
    }
    return t;
  }

  Result<ValueType> CheckNode(Expr& e, BinaryExpr& b) {
    LM_ASSIGN_OR_RETURN(ValueType lt, Check(*b.lhs));
    LM_ASSIGN_OR_RETURN(ValueType rt, Check(*b.rhs));
    auto it = op_pos_.find(&e);
    size_t op_pos = it != op_pos_.end() ? it->second : e.pos;
    bool scalar_operand = lt == ValueType::kScalar || rt == ValueType::kScalar;
    if (b.return_bool && !IsComparison(b.op)) {
      return Error(op_pos, "bool modifier can only be used on comparison operators");
    }
    if (IsComparison(b.op) && !b.return_bool && lt == ValueType::kScalar &&
        rt == ValueType::kScalar) {
      return Error(op_pos, "comparisons between scalars must use BOOL modifier");
    }
    if (b.matching && b.matching->on) {
      for (const std::string& l : b.matching->labels) {
        for (const std::string& inc : b.matching->include) {
          if (l == inc) {
            return Error(op_pos, fmt::format("label {} must not occur in ON and GROUP clause at "
                                             "once",
                                             QuoteString(l)));
          }
        }
      }
    }
    if (lt != ValueType::kScalar && lt != ValueType::kVector) {
      return Error(b.lhs->pos,
                   "binary expression must contain only scalar and instant vector types");
    }
    if (rt != ValueType::kScalar && rt != ValueType::kVector) {
      return Error(b.rhs->pos,
                   "binary expression must contain only scalar and instant vector types");
    }
    if (lt != ValueType::kVector || rt != ValueType::kVector) {
      if (b.matching && !b.matching->labels.empty()) {
        return Error(e.pos, "vector matching only allowed between instant vectors");
      }
      b.matching.reset();
    } else if (IsSetOperator(b.op) && b.matching &&
               b.matching->card != VectorMatching::Card::kManyToMany) {
      return Error(e.pos, fmt::format("no grouping allowed for {} operation",
                                      QuoteString(BinaryOpName(b.op))));
    }
    if (scalar_operand && IsSetOperator(b.op)) {
      return Error(e.pos, fmt::format("set operator {} not allowed in binary scalar expression",
                                      QuoteString(BinaryOpName(b.op))));
    }
    return lt == ValueType::kScalar && rt == ValueType::kScalar ? ValueType::kScalar
                                                                : ValueType::kVector;
  }

  Result<ValueType> CheckNode(Expr&, AggregateExpr& a) {
    LM_RETURN_IF_ERROR(ExpectType(*a.expr, ValueType::kVector, "aggregation expression"));
    if (a.param != nullptr) {
      ValueType want = a.op == AggregateOp::kCountValues ? ValueType::kString : ValueType::kScalar;
      LM_RETURN_IF_ERROR(ExpectType(*a.param, want, "aggregation parameter"));
    }
    return ValueType::kVector;
  }

  Result<ValueType> CheckNode(Expr& e, Call& c) {
    const FunctionInfo& f = *c.function;
    std::string name = QuoteString(f.name);
    size_t types = f.arg_types.size();
    size_t got = c.args.size();
    if (f.variadic == 0) {
      if (got != types) {
        return Error(
            e.pos, fmt::format("expected {} argument(s) in call to {}, got {}", types, name, got));
      }
    } else {
      size_t optional = f.variadic > 0 ? static_cast<size_t>(f.variadic) : 1;
      size_t min = types > optional ? types - optional : 0;
      if (got < min) {
        return Error(e.pos, fmt::format("expected at least {} argument(s) in call to {}, got {}",
                                        min, name, got));
      }
      if (f.variadic > 0 && got > types) {
        return Error(e.pos, fmt::format("expected at most {} argument(s) in call to {}, got {}",
                                        types, name, got));
      }
    }
    std::string context = "call to function " + name;
    for (size_t i = 0; i < got && types > 0; ++i) {
      LM_RETURN_IF_ERROR(ExpectType(*c.args[i], f.arg_types[std::min(i, types - 1)], context));
    }
    return f.return_type;
  }

  std::string_view query_;
  std::vector<Token> toks_;
  size_t i_ = 0;
  int depth_ = 0;
  // The position of each binary operator, for the errors Prometheus reports there.
  std::unordered_map<const Expr*, size_t> op_pos_;
};

}  // namespace

Result<ExprPtr> ParseExpr(std::string_view query) { return Parser(query).Parse(); }

}  // namespace lm::promql
