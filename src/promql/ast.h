// The PromQL syntax tree (Prometheus 3.x semantics). The parser builds it, checks every
// node's type (see Expr::type) and the engine evaluates it. Nodes are plain values owned
// through ExprPtr; a tree is immutable after parsing and may be read from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "store/matcher.h"

namespace lm::promql {

// The four PromQL value types. kMatrix is a range vector.
enum class ValueType { kScalar, kString, kVector, kMatrix };
std::string_view ValueTypeName(ValueType t);  // "scalar", "string", "instant vector", ...

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct NumberLiteral {
  double value = 0;
};

struct StringLiteral {
  std::string value;
};

// The @ modifier: a fixed evaluation time, or the start/end of the range query.
struct AtModifier {
  enum class Kind { kNone, kTimestamp, kStart, kEnd };
  Kind kind = Kind::kNone;
  int64_t timestamp_ms = 0;  // kTimestamp only
};

// metric{label="x", ...} [offset d] [@ t]: the latest sample of each matching series in
// the lookback window before the (offset, @-adjusted) evaluation time.
struct VectorSelector {
  std::string name;                      // the metric name when written outside the braces
  std::vector<store::Matcher> matchers;  // every matcher, including __name__ for `name`
  int64_t offset_ms = 0;                 // > 0 looks back in time, < 0 forward
  AtModifier at;
};

// A range vector selector: selector[range]. offset and @ live in `selector`.
struct MatrixSelector {
  VectorSelector selector;
  int64_t range_ms = 0;  // > 0
};

// expr[range:step] [offset d] [@ t]. step_ms 0 means the default resolution (the engine's
// evaluation step).
struct SubqueryExpr {
  ExprPtr expr;
  int64_t range_ms = 0;
  int64_t step_ms = 0;
  int64_t offset_ms = 0;
  AtModifier at;
};

struct ParenExpr {
  ExprPtr expr;
};

enum class UnaryOp { kPlus, kMinus };

struct UnaryExpr {
  UnaryOp op = UnaryOp::kMinus;
  ExprPtr expr;
};

enum class BinaryOp {
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kPow,
  kAtan2,
  kEql,  // ==
  kNeq,  // !=
  kGtr,  // >
  kLss,  // <
  kGte,  // >=
  kLte,  // <=
  kAnd,
  kOr,
  kUnless,
};
std::string_view BinaryOpName(BinaryOp op);  // "+", "==", "and", "atan2", ...
bool IsComparison(BinaryOp op);
bool IsSetOperator(BinaryOp op);  // and, or, unless

// How the two sides of a binary operation between vectors are matched.
struct VectorMatching {
  enum class Card { kOneToOne, kManyToOne, kOneToMany, kManyToMany };
  Card card = Card::kOneToOne;  // kManyToMany for set operators
  bool on = false;              // on(labels); otherwise ignoring(labels) (empty: all labels)
  std::vector<std::string> labels;
  std::vector<std::string> include;  // the labels of group_left(...)/group_right(...)
};

struct BinaryExpr {
  BinaryOp op = BinaryOp::kAdd;
  ExprPtr lhs;
  ExprPtr rhs;
  bool return_bool = false;  // comparison with the bool modifier
  // Set when both sides are instant vectors (defaults when no on/ignoring was written).
  std::optional<VectorMatching> matching;
};

enum class AggregateOp {
  kSum,
  kAvg,
  kMin,
  kMax,
  kCount,
  kGroup,
  kStddev,
  kStdvar,
  kTopk,
  kBottomk,
  kQuantile,
  kCountValues,
  kLimitk,
  kLimitRatio,
};
std::string_view AggregateOpName(AggregateOp op);
// True for the operators that take a parameter before the vector (topk, quantile, ...).
bool AggregateTakesParam(AggregateOp op);

// op [by|without (labels)] ([param,] expr)
struct AggregateExpr {
  AggregateOp op = AggregateOp::kSum;
  ExprPtr expr;
  ExprPtr param;  // topk, bottomk, limitk, limit_ratio, quantile (scalar), count_values
                  // (string); null otherwise
  std::vector<std::string> grouping;
  bool without = false;
};

struct FunctionInfo;

// A function call; `function` points into the static table of functions.h.
struct Call {
  const FunctionInfo* function = nullptr;
  std::vector<ExprPtr> args;
};

struct Expr {
  std::variant<NumberLiteral, StringLiteral, VectorSelector, MatrixSelector, SubqueryExpr,
               ParenExpr, UnaryExpr, BinaryExpr, AggregateExpr, Call>
      node;
  size_t pos = 0;  // byte offset of the expression in the query, for errors

  // The value type the expression evaluates to.
  ValueType type() const;
};

// Builds an Expr node (pos 0).
template <typename Node>
ExprPtr MakeExpr(Node node, size_t pos = 0) {
  auto e = std::make_unique<Expr>();
  e->node = std::move(node);
  e->pos = pos;
  return e;
}

// The expression printed back as PromQL in canonical form (what Prometheus'
// /api/v1/format_query returns): e.g. `sum by (job) (rate(x{a="b"}[5m]))`.
std::string Format(const Expr& e);

}  // namespace lm::promql
