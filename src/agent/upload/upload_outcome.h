// The typed result of uploading one queued batch. Value types; thread compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "common/status.h"

namespace lm::agent {

// The collector durably has the batch: it accepted it now, or had accepted the same
// identity and bytes before (a replay). Either way the queue entry may be deleted.
enum class AckKind { kAccepted, kDuplicate };

inline std::string_view AckKindName(AckKind kind) {
  return kind == AckKind::kDuplicate ? "duplicate" : "accepted";
}

struct UploadAck {
  AckKind kind = AckKind::kAccepted;
};

// Why a batch was not acknowledged. The batch must stay queued.
struct UploadFailure {
  // Unavailable: network/TLS failure, 5xx, 429 (retry later). Unauthenticated (401),
  // PermissionDenied (403), InvalidArgument (400), Conflict (409), ResourceExhausted (413):
  // the collector refused the batch. FailedPrecondition: a response that is not a valid
  // acknowledgement of this batch (malformed JSON, other status, wrong identity).
  Status status;
  int http_status = 0;                          // 0 when no HTTP response was received
  std::string reason;                           // the collector's "reason" field, when it sent one
  std::optional<uint32_t> retry_after_seconds;  // from Retry-After (delta-seconds form)
};

using UploadOutcome = Result<UploadAck, UploadFailure>;

}  // namespace lm::agent
