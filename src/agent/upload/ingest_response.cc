#include "agent/upload/ingest_response.h"

#include <algorithm>
#include <charconv>
#include <limits>
#include <string>
#include <type_traits>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace lm::agent {
namespace {

constexpr size_t kMaxQuotedBytes = 256;

// Makes collector-supplied text safe to put in a log line: printable ASCII only, bounded.
std::string Sanitize(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, kMaxQuotedBytes)) {
    auto u = static_cast<unsigned char>(c);
    out.push_back(u >= 0x20 && u < 0x7f ? c : '?');
  }
  if (s.size() > kMaxQuotedBytes) out += "...";
  return out;
}

StatusCode CodeForHttpStatus(int http_status) {
  switch (http_status) {
    case 400:
      return StatusCode::kInvalidArgument;
    case 401:
      return StatusCode::kUnauthenticated;
    case 403:
      return StatusCode::kPermissionDenied;
    case 409:
      return StatusCode::kConflict;
    case 413:
      return StatusCode::kResourceExhausted;
    case 429:
      return StatusCode::kUnavailable;
    default:
      return http_status >= 500 && http_status <= 599 ? StatusCode::kUnavailable
                                                      : StatusCode::kFailedPrecondition;
  }
}

std::string StringField(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return "";
  return it->get<std::string>();
}

std::string IdentityString(const protocol::BatchIdentity& id) {
  return fmt::format("{}/{}/{}-{}", id.agent_id, id.boot_id, id.seq_start, id.seq_end);
}

// Reads agent_id, boot_id, seq_start, seq_end; nullopt when any is missing or mistyped.
std::optional<protocol::BatchIdentity> IdentityFromJson(const nlohmann::json& j) {
  auto agent = j.find("agent_id");
  auto boot = j.find("boot_id");
  auto start = j.find("seq_start");
  auto end = j.find("seq_end");
  if (agent == j.end() || !agent->is_string() || boot == j.end() || !boot->is_string() ||
      start == j.end() || !start->is_number_unsigned() || end == j.end() ||
      !end->is_number_unsigned()) {
    return std::nullopt;
  }
  return protocol::BatchIdentity{agent->get<std::string>(), boot->get<std::string>(),
                                 start->get<uint64_t>(), end->get<uint64_t>()};
}

}  // namespace

std::optional<uint32_t> ParseRetryAfter(std::string_view value) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (value.empty() ||
      !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  uint64_t seconds = 0;
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec == std::errc::result_out_of_range) return std::numeric_limits<uint32_t>::max();
  if (ec != std::errc() || ptr != value.data() + value.size()) return std::nullopt;
  return static_cast<uint32_t>(std::min<uint64_t>(seconds, std::numeric_limits<uint32_t>::max()));
}

UploadOutcome InterpretIngestResponse(int http_status, std::string_view body,
                                      std::string_view retry_after,
                                      const protocol::BatchIdentity& expected) {
  UploadFailure failure;
  failure.http_status = http_status;
  failure.retry_after_seconds = ParseRetryAfter(retry_after);
  nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  const bool is_object = !j.is_discarded() && j.is_object();
  const std::string status = is_object ? StringField(j, "status") : "";

  if (http_status != 200 || status == "error") {
    StatusCode code =
        http_status == 200 ? StatusCode::kFailedPrecondition : CodeForHttpStatus(http_status);
    std::string detail;
    if (is_object) {
      failure.reason = Sanitize(StringField(j, "reason"));
      detail = fmt::format("reason '{}': {}", failure.reason, Sanitize(StringField(j, "error")));
    } else {
      detail = fmt::format("non-JSON body '{}'", Sanitize(body));
    }
    std::string retry;
    if (failure.retry_after_seconds) {
      retry = fmt::format("; retry after {} s", *failure.retry_after_seconds);
    }
    failure.status =
        Status(code, fmt::format("collector answered HTTP {}, {}{}", http_status, detail, retry));
    return failure;
  }
  if (!is_object) {
    failure.status = FailedPrecondition(fmt::format(
        "collector answered HTTP 200 with a body that is not a JSON object: '{}'", Sanitize(body)));
    return failure;
  }
  AckKind kind;
  if (status == "accepted") {
    kind = AckKind::kAccepted;
  } else if (status == "duplicate") {
    kind = AckKind::kDuplicate;
  } else {
    failure.status = FailedPrecondition(
        fmt::format("collector answered HTTP 200 with unknown status '{}'", Sanitize(status)));
    return failure;
  }
  std::optional<protocol::BatchIdentity> acked = IdentityFromJson(j);
  if (!acked) {
    failure.status = FailedPrecondition(
        "collector acknowledgement lacks a well-typed agent_id, boot_id, seq_start, seq_end");
    return failure;
  }
  if (*acked != expected) {
    failure.status =
        FailedPrecondition(fmt::format("collector acknowledged {}, not the uploaded batch {}",
                                       Sanitize(IdentityString(*acked)), IdentityString(expected)));
    return failure;
  }
  return UploadAck{kind};
}

Result<protocol::DecodeLimits> InterpretLimitsResponse(int http_status, std::string_view body) {
  nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (http_status != 200) {
    std::string reason = j.is_object() ? StringField(j, "reason") : "";
    StatusCode code = CodeForHttpStatus(http_status);
    if (code != StatusCode::kUnavailable) code = StatusCode::kFailedPrecondition;
    return Status(code,
                  fmt::format("collector answered the limits request with HTTP {}{}", http_status,
                              reason.empty() ? "" : " (" + Sanitize(reason) + ")"));
  }
  if (!j.is_object() || StringField(j, "status") != "success" || !j.contains("limits") ||
      !j["limits"].is_object()) {
    return FailedPrecondition(
        fmt::format("collector's limits answer is not a limits document: {}", Sanitize(body)));
  }
  const nlohmann::json& l = j["limits"];
  protocol::DecodeLimits out;
  Status bad = Status::Ok();
  auto read = [&](const char* key, auto* field) {
    using T = std::remove_pointer_t<decltype(field)>;
    auto it = l.find(key);
    if (it == l.end() || !bad.ok()) return;
    if (!it->is_number_unsigned() || it->template get<uint64_t>() > std::numeric_limits<T>::max()) {
      bad = FailedPrecondition(fmt::format("collector's limits answer has an invalid {}", key));
      return;
    }
    *field = static_cast<T>(it->template get<uint64_t>());
  };
  read("max_frame_bytes", &out.max_frame_bytes);
  read("max_series_per_batch", &out.max_series_per_batch);
  read("max_labels_per_series", &out.max_labels_per_series);
  read("max_label_key_bytes", &out.max_label_key_bytes);
  read("max_label_value_bytes", &out.max_label_value_bytes);
  read("max_samples_per_series", &out.max_samples_per_series);
  read("max_buckets_per_histogram", &out.max_buckets_per_histogram);
  read("max_logs_per_batch", &out.max_logs_per_batch);
  read("max_log_message_bytes", &out.max_log_message_bytes);
  read("max_alerts_per_batch", &out.max_alerts_per_batch);
  if (!bad.ok()) return bad;
  return out;
}

}  // namespace lm::agent
