// The upload interface the agent loop sends queued batches through. The production
// implementation is HttpUploader; tests substitute fakes.
#pragma once

#include <memory>
#include <string_view>

#include "agent/upload/upload_outcome.h"
#include "protocol/batch.h"

namespace lm::agent {

// Implementations need not be thread safe: the agent uploads one batch at a time.
class Uploader {
 public:
  virtual ~Uploader() = default;

  // Sends `frame`, whose embedded identity is `identity`, to the collector. Returns an
  // UploadAck only when the collector acknowledged exactly `identity`; an UploadFailure
  // otherwise (the batch must then stay queued).
  virtual UploadOutcome Upload(std::string_view frame, const protocol::BatchIdentity& identity) = 0;
};

using UploaderPtr = std::unique_ptr<Uploader>;

}  // namespace lm::agent
