// A runner for Prometheus' query-language test scripts (the promqltest format, see
// ../shared/promqltest/FORMAT.md): `load`/`clear`/`eval` commands with expected results,
// evaluated through the Engine over an in-memory TestStorage. Not thread safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "promql/engine.h"

namespace lm::promql::testing {

struct RunStats {
  int passed = 0;
  int failed = 0;
  // Evaluations that need what Lightmetrics does not do: native histograms (expected
  // histogram values; failures of queries touching series that had histogram samples) and
  // experimental functions or syntax missing from functions.h / the parser.
  int skipped = 0;
  // Of `failed`: the query did not parse.
  int parse_failures = 0;
  // "file:line: why" for every failed evaluation.
  std::vector<std::string> failures;
  // "file:line: reason" for every skipped evaluation.
  std::vector<std::string> skips;
  // Expected annotation or error messages that differed (not counted as failures, as the
  // format allows relaxing them).
  std::vector<std::string> message_mismatches;

  void Merge(const RunStats& o);
};

// Runs one script; `name` prefixes failure locations. A malformed script line counts as a
// failure.
RunStats RunScript(std::string_view script, std::string_view name, const Engine& engine);

// Reads and runs a file; a failure if it cannot be read.
RunStats RunFile(const std::string& path, const Engine& engine);

}  // namespace lm::promql::testing
