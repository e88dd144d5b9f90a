// Status: the outcome of an operation whose failure is caused by input, disk, network or
// object storage. Code paths that can fail for those reasons return Status or Result<T>
// instead of throwing. Status is a small value type; it is thread compatible.
#pragma once

#include <string>
#include <string_view>
#include <utility>

namespace lm {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,     // the caller's input is malformed or violates a rule
  kNotFound,            // the named thing does not exist
  kAlreadyExists,       // a conditional create found the key taken
  kConflict,            // same identity, different content
  kUnauthenticated,     // missing or wrong credentials
  kPermissionDenied,    // credentials valid but not allowed for this action
  kResourceExhausted,   // a configured limit or the disk is full
  kFailedPrecondition,  // the system is not in a state that allows the operation
  kUnavailable,         // a dependency (object store, peer) cannot be reached; retry later
  kDataLoss,            // stored bytes failed their checksum or are truncated
  kIoError,             // the operating system refused a file operation
  kInternal,            // a bug: an invariant did not hold
};

// Returns a stable lower_snake_case name for `code`, e.g. "invalid_argument".
std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // "code_name: message", or "ok".
  std::string ToString() const;

  // Returns a copy whose message is "context: message"; the code is kept.
  Status WithContext(std::string_view context) const;

  // Explicitly discards a status whose failure is already handled or irrelevant.
  void IgnoreError() const {}

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status InvalidArgument(std::string msg) {
  return Status(StatusCode::kInvalidArgument, std::move(msg));
}
inline Status NotFound(std::string msg) { return Status(StatusCode::kNotFound, std::move(msg)); }
inline Status IoError(std::string msg) { return Status(StatusCode::kIoError, std::move(msg)); }
inline Status DataLoss(std::string msg) { return Status(StatusCode::kDataLoss, std::move(msg)); }
inline Status Unavailable(std::string msg) {
  return Status(StatusCode::kUnavailable, std::move(msg));
}
inline Status Internal(std::string msg) { return Status(StatusCode::kInternal, std::move(msg)); }
inline Status FailedPrecondition(std::string msg) {
  return Status(StatusCode::kFailedPrecondition, std::move(msg));
}

// Builds an kIoError status from errno: "what: strerror(errno)".
Status ErrnoStatus(std::string_view what, int err);

}  // namespace lm

// Returns early from the enclosing function when `expr` yields a non-ok Status.
#define LM_RETURN_IF_ERROR(expr)               \
  do {                                         \
    ::lm::Status lm_status__ = (expr);         \
    if (!lm_status__.ok()) return lm_status__; \
  } while (0)
