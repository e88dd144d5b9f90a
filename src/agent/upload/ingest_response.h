// Interpretation of the collector's answer to POST /ingest/v1/batch. Pure functions; thread
// safe.
//
// Success: HTTP 200 with {"status":"accepted"|"duplicate","agent_id":"...","boot_id":"...",
// "seq_start":N,"seq_end":N}. Errors: non-200 with {"status":"error","reason":"...",
// "error":"..."}.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "agent/upload/upload_outcome.h"
#include "common/result.h"
#include "protocol/batch.h"
#include "protocol/limits.h"

namespace lm::agent {

// Returns an UploadAck only when `http_status` is 200, the body is a JSON object whose
// status is "accepted" or "duplicate", and its agent_id, boot_id, seq_start and seq_end
// equal `expected` exactly. Otherwise an UploadFailure carrying `http_status`, the
// collector's reason and error message (or a sanitized excerpt of a non-JSON body), and the
// parsed `retry_after` header value (empty when absent); see UploadFailure for the codes.
UploadOutcome InterpretIngestResponse(int http_status, std::string_view body,
                                      std::string_view retry_after,
                                      const protocol::BatchIdentity& expected);

// Interprets the answer to GET /ingest/v1/limits: HTTP 200 with {"status":"success",
// "limits":{"max_frame_bytes":N,...}}. Every known key present must be an unsigned integer
// within its field's type; unknown keys are ignored (newer collectors may report more). Unavailable
// for 5xx/429, FailedPrecondition for other statuses or a malformed document (with the
// collector's reason when it sent one).
Result<protocol::DecodeLimits> InterpretLimitsResponse(int http_status, std::string_view body);

// Parses a Retry-After value in delta-seconds form ("120"). nullopt for the HTTP-date form,
// an empty or malformed value; values above 2^32-1 saturate.
std::optional<uint32_t> ParseRetryAfter(std::string_view value);

}  // namespace lm::agent
