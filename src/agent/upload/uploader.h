// The upload interface the agent loop sends queued batches through. The production
// implementation is HttpUploader; tests substitute fakes.
#pragma once

#include <atomic>
#include <memory>
#include <string_view>

#include "agent/upload/upload_outcome.h"
#include "common/result.h"
#include "protocol/batch.h"
#include "protocol/limits.h"

namespace lm::agent {

// Implementations need not be thread safe: the agent uploads one batch at a time.
class Uploader {
 public:
  virtual ~Uploader() = default;

  // Sends `frame`, whose embedded identity is `identity`, to the collector. Returns an
  // UploadAck only when the collector acknowledged exactly `identity`; an UploadFailure
  // otherwise (the batch must then stay queued).
  virtual UploadOutcome Upload(std::string_view frame, const protocol::BatchIdentity& identity) = 0;

  // Asks the collector for the ingest limits it enforces (GET /ingest/v1/limits). Fields the
  // collector does not report keep DecodeLimits' defaults. Unavailable when the collector
  // cannot be reached (try again later); other codes when it answered with an error or
  // something that is not a limits document.
  virtual Result<protocol::DecodeLimits> FetchLimits() = 0;

  // When set, an in-flight request is abandoned soon after `*stop` becomes true (the
  // result is then an Unavailable failure and the batch stays queued). Not owned; must
  // outlive the uploader's requests.
  virtual void SetStopFlag(const std::atomic<bool>* stop) = 0;
};

using UploaderPtr = std::unique_ptr<Uploader>;

}  // namespace lm::agent
