// Parts of the logs and alerts APIs shared by their JSON handlers (logs_api.cc) and the
// live tail (logs_tail.cc). Not for use outside src/api.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "api/json_writer.h"
#include "http/message.h"
#include "store/logs/record.h"
#include "store/logs/record_cursor.h"

namespace lm::api::logs_internal {

inline constexpr size_t kMaxLimit = 1000;

// What differs between /api/v1/logs and /api/v1/alerts.
struct Endpoint {
  store::logs::CursorKind kind;
  std::string_view noun;        // "log", "alert"
  std::string_view array;       // the data key: "logs", "alerts"
  std::string_view name_param;  // "target", "name"
  std::string_view kv_prefix;   // "attr.", "label."
  std::string_view kv_key;      // the entry key of the pairs: "attributes", "labels"
  bool alerts;
};

inline constexpr Endpoint kLogs{
    store::logs::CursorKind::kLogs, "log", "logs", "target", "attr.", "attributes", false};
inline constexpr Endpoint kAlerts{
    store::logs::CursorKind::kAlerts, "alert", "alerts", "name", "label.", "labels", true};

struct Parsed {
  store::logs::RecordQuery query;
  std::optional<int64_t> start;  // ns, when given
};

// Parses the filters, order, limit and cursor of a request (see logs_api.h); returns the 400
// response for a bad parameter.
std::optional<http::Response> Parse(const http::Request& request, const Endpoint& ep, Parsed* out);

// One record as the APIs return it.
void WriteRecord(const Endpoint& ep, const store::logs::StoredRecord& r, JsonWriter& w);

// RFC 3339 in UTC with nanoseconds, trailing zeros of the fraction (and a zero fraction)
// left out, as Go's RFC3339Nano: "2024-05-01T12:00:00.123Z". Years outside 0..9999 keep all
// nine fraction digits.
std::string FormatRfc3339Nano(int64_t ns);

// A 400 bad_data response naming the parameter.
http::Response BadParam(std::string_view name, std::string_view why);

}  // namespace lm::api::logs_internal
