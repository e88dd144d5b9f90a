#include "promql/parser.h"

#include <strings.h>
#include <cerrno>
#include <cmath>
#include <cstdlib>

#include <fmt/format.h>

#include "promql/lexer.h"

namespace lm::promql {
namespace {

bool IsAggregateOp(std::string_view id) {
  static constexpr std::string_view kOps[] = {
      "sum",    "avg",  "min",     "max",      "count",        "group",  "stddev",
      "stdvar", "topk", "bottomk", "quantile", "count_values", "limitk", "limit_ratio"};
  for (auto op : kOps) {
    if (id == op) return true;
  }
  return false;
}

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : toks_(std::move(tokens)) {}

  Result<ExprPtr> Parse() {
    LM_ASSIGN_OR_RETURN(ExprPtr e, Primary());
    const Token& t = Peek();
    switch (t.kind) {
      case TokenKind::kEof:
        return e;
      case TokenKind::kLeftBracket:
        return Unsupported(t, "range vector selectors");
      case TokenKind::kAdd:
      case TokenKind::kSub:
      case TokenKind::kMul:
      case TokenKind::kDiv:
      case TokenKind::kMod:
      case TokenKind::kPow:
      case TokenKind::kEql:
      case TokenKind::kNeq:
      case TokenKind::kLss:
      case TokenKind::kLte:
      case TokenKind::kGtr:
      case TokenKind::kGte:
        return Unsupported(t, "binary operators");
      case TokenKind::kAt:
        return Unsupported(t, "the @ modifier");
      case TokenKind::kIdentifier:
        if (t.text == "offset") return Unsupported(t, "the offset modifier");
        if (t.text == "and" || t.text == "or" || t.text == "unless") {
          return Unsupported(t, "logical/set operators");
        }
        [[fallthrough]];
      default:
        return Error(t, fmt::format("unexpected {}", Describe(t)));
    }
  }

 private:
  const Token& Peek() const { return toks_[i_]; }
  const Token& Next() { return toks_[i_ < toks_.size() - 1 ? i_++ : i_]; }

  static std::string Describe(const Token& t) {
    if (t.kind == TokenKind::kIdentifier || t.kind == TokenKind::kNumber) {
      return fmt::format("{} \"{}\"", TokenKindName(t.kind), t.text);
    }
    return std::string(TokenKindName(t.kind));
  }

  static Status Error(const Token& t, std::string msg) {
    return InvalidArgument(fmt::format("1:{}: parse error: {}", t.pos + 1, msg));
  }
  static Status Unsupported(const Token& t, std::string_view what) {
    return Error(t, fmt::format("{} are not supported by this version of Lightmetrics", what));
  }

  static ExprPtr Make(decltype(Expr::node) node, size_t pos) {
    auto e = std::make_unique<Expr>();
    e->node = std::move(node);
    e->pos = pos;
    return e;
  }

  Result<ExprPtr> Primary() {
    const Token& t = Peek();
    switch (t.kind) {
      case TokenKind::kNumber:
      case TokenKind::kAdd:
      case TokenKind::kSub:
        return Number();
      case TokenKind::kString:
        Next();
        return Make(StringLiteral{t.text}, t.pos);
      case TokenKind::kLeftBrace:
        return Selector("", t.pos);
      case TokenKind::kMetricIdentifier:
      case TokenKind::kIdentifier: {
        Next();
        if (t.kind == TokenKind::kIdentifier) {
          std::string lower = t.text;
          for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
          if (lower == "inf" || lower == "nan") {
            double v = lower == "inf" ? INFINITY : NAN;
            return Make(NumberLiteral{v}, t.pos);
          }
          if (Peek().kind == TokenKind::kLeftParen ||
              (IsAggregateOp(t.text) && (Peek().kind == TokenKind::kIdentifier))) {
            return IsAggregateOp(t.text) ? Unsupported(t, "aggregation operators")
                                         : Unsupported(t, "function calls");
          }
        }
        return Selector(t.text, t.pos);
      }
      case TokenKind::kLeftParen:
        return Unsupported(t, "parenthesised expressions");
      case TokenKind::kEof:
        return Error(t, "unexpected end of input");
      default:
        return Error(t, fmt::format("unexpected {}", Describe(t)));
    }
  }

  Result<ExprPtr> Number() {
    double sign = 1;
    const Token& first = Peek();
    while (Peek().kind == TokenKind::kAdd || Peek().kind == TokenKind::kSub) {
      if (Next().kind == TokenKind::kSub) sign = -sign;
    }
    const Token& t = Next();
    if (t.kind == TokenKind::kIdentifier &&
        (::strcasecmp(t.text.c_str(), "inf") == 0 || ::strcasecmp(t.text.c_str(), "nan") == 0)) {
      double v = ::strcasecmp(t.text.c_str(), "inf") == 0 ? INFINITY : NAN;
      return Make(NumberLiteral{sign * v}, first.pos);
    }
    if (t.kind != TokenKind::kNumber) {
      return Unsupported(first, "unary operators on non-literals");
    }
    errno = 0;
    char* end = nullptr;
    double v = std::strtod(t.text.c_str(), &end);
    if (end != t.text.c_str() + t.text.size()) {
      return Error(t, fmt::format("bad number \"{}\"", t.text));
    }
    return Make(NumberLiteral{sign * v}, first.pos);
  }

  Result<ExprPtr> Selector(std::string name, size_t pos) {
    VectorSelector vs;
    vs.name = name;
    if (!name.empty()) {
      LM_ASSIGN_OR_RETURN(auto m,
                          store::Matcher::Create(store::MatchType::kEqual, "__name__", name));
      vs.matchers.push_back(std::move(m));
    }
    if (Peek().kind == TokenKind::kLeftBrace) {
      Next();
      while (Peek().kind != TokenKind::kRightBrace) {
        const Token& label = Next();
        if (label.kind != TokenKind::kIdentifier && label.kind != TokenKind::kString) {
          return Error(label, fmt::format("unexpected {} in label matching, expected label "
                                          "name",
                                          Describe(label)));
        }
        const Token& op = Next();
        store::MatchType type;
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
            return Error(op, fmt::format("unexpected {} in label matching, expected one of "
                                         "\"=\", \"!=\", \"=~\" or \"!~\"",
                                         Describe(op)));
        }
        const Token& value = Next();
        if (value.kind != TokenKind::kString) {
          return Error(value, fmt::format("unexpected {} in label matching, expected string",
                                          Describe(value)));
        }
        if (label.text == "__name__" && !name.empty()) {
          return Error(label, fmt::format("metric name must not be set twice: \"{}\" or \"{}\"",
                                          name, value.text));
        }
        auto m = store::Matcher::Create(type, label.text, value.text);
        if (!m.ok()) return Error(value, m.error().message());
        vs.matchers.push_back(std::move(m).value());
        if (Peek().kind == TokenKind::kComma) {
          Next();
        } else if (Peek().kind != TokenKind::kRightBrace) {
          return Error(Peek(), fmt::format("unexpected {} in label matching, expected \",\" or "
                                           "\"}}\"",
                                           Describe(Peek())));
        }
      }
      Next();
    }
    bool any_non_empty = false;
    for (const auto& m : vs.matchers) {
      if (!m.Matches("")) any_non_empty = true;
    }
    if (!any_non_empty) {
      return InvalidArgument(fmt::format(
          "1:{}: parse error: vector selector must contain at least one non-empty matcher",
          pos + 1));
    }
    return Make(std::move(vs), pos);
  }

  std::vector<Token> toks_;
  size_t i_ = 0;
};

}  // namespace

Result<ExprPtr> ParseExpr(std::string_view query) {
  LM_ASSIGN_OR_RETURN(std::vector<Token> tokens, Lex(query));
  Parser p(std::move(tokens));
  return p.Parse();
}

}  // namespace lm::promql
