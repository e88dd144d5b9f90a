// The PromQL syntax tree. Nodes are plain values owned through ExprPtr.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "store/matcher.h"

namespace lm::promql {

struct NumberLiteral {
  double value = 0;
};

struct StringLiteral {
  std::string value;
};

// metric{label="x", ...}: evaluates to the latest sample of each matching series within
// the lookback window before the evaluation time.
struct VectorSelector {
  std::string name;                      // may be empty when only matchers are given
  std::vector<store::Matcher> matchers;  // includes __name__ when `name` is set
};

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Expr {
  std::variant<NumberLiteral, StringLiteral, VectorSelector> node;
  size_t pos = 0;  // byte offset in the query, for errors
};

}  // namespace lm::promql
