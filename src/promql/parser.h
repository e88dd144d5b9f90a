// The PromQL parser: Prometheus 3.x syntax and semantics. Thread safe (no shared state).
//
// Supported: number literals (decimal, exponent, hex, octal with a leading 0, `_` digit
// separators, Inf and NaN in any case; a duration such as `5m` is a number of seconds), string
// literals ("..." and '...' with Go escapes, `...` raw); vector selectors `name`,
// `name{...}`, `{...}` with =, !=, =~, !~ (regexes fully anchored), quoted UTF-8 metric and
// label names (`{"my.metric", "a.b"="c"}`) and trailing commas; range selectors `[5m]` and
// subqueries `[5m:1m]` / `[5m:]` (a number of seconds works wherever a duration does);
// `offset` (negative too) and `@ <time>`, `@ start()`, `@ end()` after a selector, range or
// subquery, in either order; parentheses; unary +/-; every binary operator with Prometheus'
// precedence and associativity, `bool`, `on`/`ignoring` and `group_left`/`group_right`; every
// aggregation of AggregateOp with `by`/`without` before or after the arguments; the calls of
// functions.h. Keywords are case-insensitive and may serve as metric and label names where
// Prometheus allows it (`sum(sum)`, `sum by (on) (x)`); `#` starts a comment.
//
// Not supported: native histogram literals (they exist only in test files) and Prometheus'
// experimental syntax (duration arithmetic such as `[5m+1m]`, `anchored`/`smoothed`, and
// functions that are not in functions.h).
//
// After the syntax every node is type checked as Prometheus does (function argument counts
// and types, aggregation parameters, binary operand types, set operators, `bool`, vector
// matching, empty selectors, a metric name given twice). BinaryExpr::matching is set exactly
// when both operands are instant vectors. Expr::pos is each node's byte offset. Trees are at
// most about kMaxNestingDepth levels deep, so recursive walks over them are bounded.
//
// Tree conventions (as Prometheus builds them): a sign before a number literal is folded
// into it (`-1` is NumberLiteral -1, `-(1)` a UnaryExpr); a duration used as a number is a
// NumberLiteral of seconds; a selector's name written outside the braces is also
// matchers[0] (`__name__="name"`); offset and @ of a range selector live in its selector;
// set operators have Card::kManyToMany; `by ()` is the same tree as no grouping.
#pragma once

#include <string_view>

#include "common/result.h"
#include "promql/ast.h"

namespace lm::promql {

// Limit on the nesting of sub-expressions (parentheses, arguments, operator chains); a
// query nested deeper is refused.
inline constexpr int kMaxNestingDepth = 1000;

// The syntax tree of `query`, or InvalidArgument with Prometheus' message shape
// "<line>:<column>: parse error: <what>" (1-based, column in bytes; "unknown position: ..."
// for an empty query). Only the first error is reported: a syntax error before any type error.
Result<ExprPtr> ParseExpr(std::string_view query);

}  // namespace lm::promql
