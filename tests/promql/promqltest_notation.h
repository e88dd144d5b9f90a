// The notations of Prometheus' query test scripts (../shared/promqltest/FORMAT.md):
// durations, numbers, quoted strings, series descriptions and the expanding points
// notation. Stateless; thread safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/labels.h"

namespace lm::promql::testing {

std::string_view Trim(std::string_view s);
bool StartsWith(std::string_view s, std::string_view prefix);

// A duration ("5m", "1h30m", "10s53ms") or a plain number of seconds, in ms.
std::optional<int64_t> ParseDuration(std::string_view s);

// A float, with Inf/NaN in any case.
std::optional<double> ParseNumber(std::string_view s);

// The quoted string (", ' or `, Go escapes) starting at s[*i]; *i moves past it.
std::optional<std::string> ParseQuoted(std::string_view s, size_t* i);

bool IsMetricChar(char c);

// `name{a="b", ...}`, `{...}` or `name` at the start of `s`; `*rest` gets what follows.
std::optional<store::Labels> ParseSeries(std::string_view s, std::string_view* rest);

// One point of the points notation.
struct SeqValue {
  enum Kind { kValue, kGap, kHistogram } kind = kValue;
  double v = 0;
};

// Expands the points notation: "1+2x3" (1 3 5 7), "5x2" (5 5 5), "_", "_x3", "stale", "Inf",
// "NaN" and native histograms "{{...}}" (kept as placeholders).
std::optional<std::vector<SeqValue>> ParseSequence(std::string_view s);

}  // namespace lm::promql::testing
