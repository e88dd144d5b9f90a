// Parsing of Prometheus API time and duration parameters. Thread safe.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/result.h"

namespace lm::api {

// A timestamp as Unix seconds with an optional fraction ("1700000000.123") or RFC 3339
// ("2023-11-14T22:13:20.123Z", with Z or a ±hh:mm offset). Returns milliseconds.
// InvalidArgument with a message naming the value otherwise.
Result<int64_t> ParseTimeParam(std::string_view s);

// A duration as float seconds ("15", "0.5") or a Prometheus duration ("15s", "1m30s",
// "500ms", "2h", "1d", "1w", "1y"). Returns milliseconds. InvalidArgument otherwise (also for
// negative values and overflow).
Result<int64_t> ParseDurationParam(std::string_view s);

// Formats milliseconds as Prometheus' JSON timestamp: seconds with up to 3 decimals.
std::string FormatApiTime(int64_t ms);

}  // namespace lm::api
