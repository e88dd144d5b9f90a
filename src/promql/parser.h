// The PromQL parser. Thread safe (no shared state).
//
// Supported in this version: number and string literals and instant vector selectors with
// =, !=, =~ and !~ matchers. Every other construct of the language is recognised and
// refused with an error that names it (see docs/limitations.md).
#pragma once

#include <string_view>

#include "common/result.h"
#include "promql/ast.h"

namespace lm::promql {

// InvalidArgument "1:<col>: parse error: ..." for malformed or unsupported queries.
Result<ExprPtr> ParseExpr(std::string_view query);

}  // namespace lm::promql
