// The PromQL function table: every function's name, argument types and return type. The
// parser checks calls against it and the engine dispatches on it. Thread safe (constant).
#pragma once

#include <string_view>
#include <vector>

#include "promql/ast.h"

namespace lm::promql {

struct FunctionInfo {
  std::string_view name;
  std::vector<ValueType> arg_types;
  // 0: exactly arg_types; > 0: up to this many of the trailing arg_types may be omitted;
  // -1: at least arg_types.size() - 1 arguments, the last type repeating any number of
  // times (label_join(v, dst, sep, src...), sort_by_label(v, labels...)).
  int variadic = 0;
  ValueType return_type = ValueType::kVector;
  // Prometheus marks these experimental (behind a feature flag); Lightmetrics supports
  // them all the same.
  bool experimental = false;
};

// The function named `name`, or null.
const FunctionInfo* FindFunction(std::string_view name);

// Every function, in name order.
const std::vector<FunctionInfo>& AllFunctions();

}  // namespace lm::promql
