// The public ingest endpoints (docs/protocol.md, "HTTP"): POST /ingest/v1/batch, and
// GET /ingest/v1/limits, which tells an authenticated agent (any valid agent token) the
// ingest limits this collector enforces, so the agent can refuse to start with limits the
// collector would reject. The listener serves nothing else: every other path is 404.
// For the batch endpoint, checks run in this order, each with its own status
// and "reason": path (404), method (405), Content-Encoding (415), Content-Type (415), bearer
// token (401), X-Lightmetrics-Agent matching the token's agent (403), sequence headers
// (400), then the body: frame and payload decode with limits (400, or 413 for
// frame_too_large), batch identity matching the token and headers (403/400), and finally
// acceptance: 200 accepted|duplicate, 409 identity_conflict, 503 unavailable with
// Retry-After. Thread safe.
#pragma once

#include <cstdint>

#include "collector/ingest/acceptor.h"
#include "collector/ingest/token_auth.h"
#include "http/message.h"
#include "protocol/limits.h"

namespace lm::collector {

inline constexpr std::string_view kIngestPath = "/ingest/v1/batch";
inline constexpr std::string_view kLimitsPath = "/ingest/v1/limits";
inline constexpr std::string_view kFrameContentType = "application/x-capnp";

class IngestHandler {
 public:
  // `acceptor` must outlive the handler.
  IngestHandler(TokenAuthenticator auth, protocol::DecodeLimits limits, Acceptor* acceptor)
      : auth_(std::move(auth)), limits_(limits), acceptor_(acceptor) {}

  // The server's HeaderCheck: rejects before the body is read when the headers already
  // decide the outcome.
  bool CheckHeaders(const http::Request& head, http::Response* reject) const;

  // The server's Handler for requests that passed CheckHeaders.
  void Handle(http::Request&& request, http::Responder respond) const;

 private:
  // 200 {"status":"success","frame_version":1,"compression":[...],"limits":{...}}.
  http::Response LimitsResponse() const;

  TokenAuthenticator auth_;
  protocol::DecodeLimits limits_;
  Acceptor* acceptor_;
};

}  // namespace lm::collector
