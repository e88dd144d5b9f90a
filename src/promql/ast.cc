#include "promql/ast.h"

#include <algorithm>
#include <cctype>
#include <cmath>

#include <fmt/format.h>

#include "common/float_format.h"
#include "promql/functions.h"
#include "promql/lexer.h"

namespace lm::promql {

std::string_view ValueTypeName(ValueType t) {
  switch (t) {
    case ValueType::kScalar:
      return "scalar";
    case ValueType::kString:
      return "string";
    case ValueType::kVector:
      return "instant vector";
    case ValueType::kMatrix:
      return "range vector";
  }
  return "unknown";
}

std::string_view BinaryOpName(BinaryOp op) {
  switch (op) {
    case BinaryOp::kAdd:
      return "+";
    case BinaryOp::kSub:
      return "-";
    case BinaryOp::kMul:
      return "*";
    case BinaryOp::kDiv:
      return "/";
    case BinaryOp::kMod:
      return "%";
    case BinaryOp::kPow:
      return "^";
    case BinaryOp::kAtan2:
      return "atan2";
    case BinaryOp::kEql:
      return "==";
    case BinaryOp::kNeq:
      return "!=";
    case BinaryOp::kGtr:
      return ">";
    case BinaryOp::kLss:
      return "<";
    case BinaryOp::kGte:
      return ">=";
    case BinaryOp::kLte:
      return "<=";
    case BinaryOp::kAnd:
      return "and";
    case BinaryOp::kOr:
      return "or";
    case BinaryOp::kUnless:
      return "unless";
  }
  return "?";
}

bool IsComparison(BinaryOp op) {
  switch (op) {
    case BinaryOp::kEql:
    case BinaryOp::kNeq:
    case BinaryOp::kGtr:
    case BinaryOp::kLss:
    case BinaryOp::kGte:
    case BinaryOp::kLte:
      return true;
    default:
      return false;
  }
}

bool IsSetOperator(BinaryOp op) {
  return op == BinaryOp::kAnd || op == BinaryOp::kOr || op == BinaryOp::kUnless;
}

std::string_view AggregateOpName(AggregateOp op) {
  switch (op) {
    case AggregateOp::kSum:
      return "sum";
    case AggregateOp::kAvg:
      return "avg";
    case AggregateOp::kMin:
      return "min";
    case AggregateOp::kMax:
      return "max";
    case AggregateOp::kCount:
      return "count";
    case AggregateOp::kGroup:
      return "group";
    case AggregateOp::kStddev:
      return "stddev";
    case AggregateOp::kStdvar:
      return "stdvar";
    case AggregateOp::kTopk:
      return "topk";
    case AggregateOp::kBottomk:
      return "bottomk";
    case AggregateOp::kQuantile:
      return "quantile";
    case AggregateOp::kCountValues:
      return "count_values";
    case AggregateOp::kLimitk:
      return "limitk";
    case AggregateOp::kLimitRatio:
      return "limit_ratio";
  }
  return "?";
}

bool AggregateTakesParam(AggregateOp op) {
  switch (op) {
    case AggregateOp::kTopk:
    case AggregateOp::kBottomk:
    case AggregateOp::kQuantile:
    case AggregateOp::kCountValues:
    case AggregateOp::kLimitk:
    case AggregateOp::kLimitRatio:
      return true;
    default:
      return false;
  }
}

namespace {

struct TypeOf {
  ValueType operator()(const NumberLiteral&) const { return ValueType::kScalar; }
  ValueType operator()(const StringLiteral&) const { return ValueType::kString; }
  ValueType operator()(const VectorSelector&) const { return ValueType::kVector; }
  ValueType operator()(const MatrixSelector&) const { return ValueType::kMatrix; }
  ValueType operator()(const SubqueryExpr&) const { return ValueType::kMatrix; }
  ValueType operator()(const ParenExpr& p) const { return p.expr->type(); }
  ValueType operator()(const UnaryExpr& u) const { return u.expr->type(); }
  ValueType operator()(const BinaryExpr& b) const {
    return b.lhs->type() == ValueType::kScalar && b.rhs->type() == ValueType::kScalar
               ? ValueType::kScalar
               : ValueType::kVector;
  }
  ValueType operator()(const AggregateExpr&) const { return ValueType::kVector; }
  ValueType operator()(const Call& c) const {
    return c.function != nullptr ? c.function->return_type : ValueType::kVector;
  }
};

// Prometheus' model.Duration.String(): "1h30m", "500ms", "0s"; years and weeks only when
// they divide the duration exactly.
std::string FormatDuration(int64_t ms) {
  if (ms == 0) return "0s";
  std::string out;
  if (ms < 0) {
    out = "-";
    ms = -ms;  // durations in a tree are far from INT64_MIN
  }
  struct Unit {
    const char* name;
    int64_t ms;
    bool exact;
  };
  static constexpr Unit kUnits[] = {
      {"y", 365LL * 24 * 3600 * 1000, true},
      {"w", 7LL * 24 * 3600 * 1000, true},
      {"d", 24LL * 3600 * 1000, false},
      {"h", 3600LL * 1000, false},
      {"m", 60LL * 1000, false},
      {"s", 1000, false},
      {"ms", 1, false},
  };
  for (const Unit& u : kUnits) {
    if (u.exact && ms % u.ms != 0) continue;
    if (int64_t v = ms / u.ms; v > 0) {
      out += fmt::format("{}{}", v, u.name);
      ms -= v * u.ms;
    }
  }
  return out;
}

bool IsLegacyName(std::string_view s) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool alpha = c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

// Grouping and matching labels: bare when a legacy name, quoted otherwise. Unlike Prometheus
// (which prints them bare), "inf" and "nan" are quoted too: bare they would lex as numbers.
void WriteLabels(const std::vector<std::string>& labels, std::string* out) {
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) out->append(", ");
    const std::string& l = labels[i];
    std::string lower(l);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (IsLegacyName(l) && lower != "inf" && lower != "nan") {
      out->append(l);
    } else {
      out->append(QuoteString(l));
    }
  }
}

std::string MatcherString(const store::Matcher& m) {
  static constexpr const char* kOps[] = {"=", "!=", "=~", "!~"};
  std::string name = IsLegacyName(m.name()) ? m.name() : QuoteString(m.name());
  return name + kOps[static_cast<int>(m.type())] + QuoteString(m.value());
}

// " @ <t>" and " offset <d>", in the order Prometheus prints them.
void WriteAtOffset(const AtModifier& at, int64_t offset_ms, std::string* out) {
  switch (at.kind) {
    case AtModifier::Kind::kNone:
      break;
    case AtModifier::Kind::kTimestamp: {
      // Prometheus prints seconds with %.3f; whole milliseconds print exactly.
      int64_t ms = at.timestamp_ms;
      uint64_t abs = ms < 0 ? 0 - static_cast<uint64_t>(ms) : static_cast<uint64_t>(ms);
      out->append(fmt::format(" @ {}{}.{:03}", ms < 0 ? "-" : "", abs / 1000, abs % 1000));
      break;
    }
    case AtModifier::Kind::kStart:
      out->append(" @ start()");
      break;
    case AtModifier::Kind::kEnd:
      out->append(" @ end()");
      break;
  }
  if (offset_ms != 0) out->append(" offset " + FormatDuration(offset_ms));
}

void WriteSelector(const VectorSelector& vs, bool modifiers, std::string* out) {
  std::vector<std::string> parts;
  for (const store::Matcher& m : vs.matchers) {
    if (m.name() == "__name__" && m.type() == store::MatchType::kEqual && m.value() == vs.name &&
        !vs.name.empty()) {
      continue;
    }
    parts.push_back(MatcherString(m));
  }
  out->append(vs.name);
  if (!parts.empty()) {
    std::sort(parts.begin(), parts.end());
    out->push_back('{');
    for (size_t i = 0; i < parts.size(); ++i) {
      if (i > 0) out->push_back(',');
      out->append(parts[i]);
    }
    out->push_back('}');
  }
  if (modifiers) WriteAtOffset(vs.at, vs.offset_ms, out);
}

std::string String(const Expr& e);

// +Inf prints as "+Inf", except as the base of ^: "+Inf ^ 2" would parse as +(Inf ^ 2).
bool IsPlusInfBase(const BinaryExpr& b) {
  const auto* n = std::get_if<NumberLiteral>(&b.lhs->node);
  return b.op == BinaryOp::kPow && n != nullptr && std::isinf(n->value) && n->value > 0;
}

void WriteMatching(const BinaryExpr& b, std::string* out) {
  if (!b.matching) return;
  const VectorMatching& m = *b.matching;
  bool group =
      m.card == VectorMatching::Card::kManyToOne || m.card == VectorMatching::Card::kOneToMany;
  if (!m.labels.empty() || m.on || group) {
    out->append(m.on ? " on (" : " ignoring (");
    WriteLabels(m.labels, out);
    out->push_back(')');
  }
  if (group) {
    out->append(m.card == VectorMatching::Card::kManyToOne ? " group_left (" : " group_right (");
    WriteLabels(m.include, out);
    out->push_back(')');
  }
}

// "sum by (job) " / "sum without () " / "sum": the operator part of an aggregation.
std::string AggregateOpString(const AggregateExpr& a) {
  std::string out(AggregateOpName(a.op));
  if (a.without || !a.grouping.empty()) {
    out.append(a.without ? " without (" : " by (");
    WriteLabels(a.grouping, &out);
    out.append(") ");
  }
  return out;
}

std::string SubquerySuffix(const SubqueryExpr& sq) {
  std::string out = "[" + FormatDuration(sq.range_ms) + ":";
  if (sq.step_ms != 0) out += FormatDuration(sq.step_ms);
  out += "]";
  WriteAtOffset(sq.at, sq.offset_ms, &out);
  return out;
}

// The one-line form (Prometheus' Expr.String()).
struct Writer {
  std::string* out;

  void operator()(const NumberLiteral& n) const { out->append(FormatFloatFixed(n.value)); }
  void operator()(const StringLiteral& s) const { out->append(QuoteString(s.value)); }
  void operator()(const VectorSelector& vs) const { WriteSelector(vs, true, out); }
  void operator()(const MatrixSelector& m) const {
    WriteSelector(m.selector, false, out);
    out->append("[" + FormatDuration(m.range_ms) + "]");
    WriteAtOffset(m.selector.at, m.selector.offset_ms, out);
  }
  void operator()(const SubqueryExpr& sq) const {
    out->append(String(*sq.expr));
    out->append(SubquerySuffix(sq));
  }
  void operator()(const ParenExpr& p) const { out->append("(" + String(*p.expr) + ")"); }
  void operator()(const UnaryExpr& u) const {
    out->append(u.op == UnaryOp::kMinus ? "-" : "+");
    out->append(String(*u.expr));
  }
  void operator()(const BinaryExpr& b) const {
    out->append(IsPlusInfBase(b) ? "Inf" : String(*b.lhs));
    out->push_back(' ');
    out->append(BinaryOpName(b.op));
    if (b.return_bool) out->append(" bool");
    WriteMatching(b, out);
    out->push_back(' ');
    out->append(String(*b.rhs));
  }
  void operator()(const AggregateExpr& a) const {
    out->append(AggregateOpString(a));
    out->push_back('(');
    if (a.param != nullptr) out->append(String(*a.param) + ", ");
    out->append(String(*a.expr));
    out->push_back(')');
  }
  void operator()(const Call& c) const {
    out->append(c.function != nullptr ? c.function->name : "unknown");
    out->push_back('(');
    for (size_t i = 0; i < c.args.size(); ++i) {
      if (i > 0) out->append(", ");
      out->append(String(*c.args[i]));
    }
    out->push_back(')');
  }
};

std::string String(const Expr& e) {
  std::string out;
  std::visit(Writer{&out}, e.node);
  return out;
}

// Prometheus' prettier (what /api/v1/format_query returns): an expression whose one-line
// form is longer than 100 characters is split over lines, indented two spaces per level.
constexpr size_t kMaxCharactersPerLine = 100;

std::string Indent(int level) { return std::string(static_cast<size_t>(level) * 2, ' '); }

std::string Pretty(const Expr& e, int level);

struct PrettyWriter {
  const Expr& e;
  int level;

  bool NeedsSplit() const { return String(e).size() > kMaxCharactersPerLine; }
  std::string Plain() const { return Indent(level) + String(e); }

  std::string operator()(const NumberLiteral&) const { return Plain(); }
  std::string operator()(const StringLiteral&) const { return Plain(); }
  std::string operator()(const VectorSelector&) const { return Plain(); }
  std::string operator()(const MatrixSelector&) const { return Plain(); }
  std::string operator()(const SubqueryExpr& sq) const {
    if (!NeedsSplit()) return String(e);  // no indent: as Prometheus does
    return Pretty(*sq.expr, level) + SubquerySuffix(sq);
  }
  std::string operator()(const ParenExpr& p) const {
    if (!NeedsSplit()) return Plain();
    return Indent(level) + "(\n" + Pretty(*p.expr, level + 1) + "\n" + Indent(level) + ")";
  }
  std::string operator()(const UnaryExpr& u) const {
    std::string child = Pretty(*u.expr, level);
    size_t b = child.find_first_not_of(" \t\n\r");
    size_t end = child.find_last_not_of(" \t\n\r");
    child = b == std::string::npos ? "" : child.substr(b, end - b + 1);
    return Indent(level) + (u.op == UnaryOp::kMinus ? "-" : "+") + child;
  }
  std::string operator()(const BinaryExpr& b) const {
    if (!NeedsSplit()) return Plain();
    std::string op(BinaryOpName(b.op));
    if (b.return_bool) op += " bool";
    WriteMatching(b, &op);
    std::string lhs = IsPlusInfBase(b) ? Indent(level + 1) + "Inf" : Pretty(*b.lhs, level + 1);
    return lhs + "\n" + Indent(level) + op + "\n" + Pretty(*b.rhs, level + 1);
  }
  std::string operator()(const AggregateExpr& a) const {
    if (!NeedsSplit()) return Plain();
    std::string out = Indent(level) + AggregateOpString(a) + "(\n";
    if (a.param != nullptr) out += Pretty(*a.param, level + 1) + ",\n";
    out += Pretty(*a.expr, level + 1) + "\n" + Indent(level) + ")";
    return out;
  }
  std::string operator()(const Call& c) const {
    if (!NeedsSplit()) return Plain();
    std::string out =
        Indent(level) + std::string(c.function != nullptr ? c.function->name : "unknown") + "(\n";
    for (size_t i = 0; i < c.args.size(); ++i) {
      if (i > 0) out += ",\n";
      out += Pretty(*c.args[i], level + 1);
    }
    return out + "\n" + Indent(level) + ")";
  }
};

std::string Pretty(const Expr& e, int level) { return std::visit(PrettyWriter{e, level}, e.node); }

}  // namespace

ValueType Expr::type() const { return std::visit(TypeOf{}, node); }

std::string Format(const Expr& e) { return Pretty(e, 0); }

}  // namespace lm::promql
