// Uploads frames to the collector's public ingest endpoint over HTTPS (HttpsClient on
// mbedTLS).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "agent/upload/collector_url.h"
#include "agent/upload/https_client.h"
#include "agent/upload/uploader.h"
#include "common/result.h"

namespace lm::agent {

struct HttpUploaderOptions {
  std::string url;              // collector.url, e.g. https://collector:8443/ingest/v1/batch
  std::string ca_file;          // the only CA bundle trusted for the collector's certificate
  std::string token;            // the per-host bearer token (already read from its secret file)
  uint32_t timeout_ms = 10000;  // bound on connect + TLS + request + response
};

// Sends each frame as one POST with the headers
//   Content-Type: application/x-capnp
//   Authorization: Bearer <token>
//   X-Lightmetrics-Agent: <identity.agent_id>
//   X-Lightmetrics-Seq-Start: <identity.seq_start>
//   X-Lightmetrics-Seq-End: <identity.seq_end>
// and no Content-Encoding or Expect. TLS 1.2 with peer and host name (or IP address)
// verification always on; only `ca_file` is trusted. HTTP/1.1, no redirects, https only.
// No proxy support: the proxy environment variables are ignored and the collector must be
// reachable directly. The connection is kept alive between uploads (see HttpsClient).
// Not thread safe.
class HttpUploader : public Uploader {
 public:
  // Returns InvalidArgument when the URL is refused (ParseCollectorUrl), ca_file is empty,
  // unreadable or not PEM certificates (HttpsClient::Create), the token is empty or has
  // bytes outside visible ASCII, or timeout_ms is 0; Internal when the TLS random
  // generator cannot be seeded. Nothing is connected yet. The CA file is read once, here.
  static Result<std::unique_ptr<HttpUploader>> Create(HttpUploaderOptions options);

  ~HttpUploader() override;
  HttpUploader(const HttpUploader&) = delete;
  HttpUploader& operator=(const HttpUploader&) = delete;

  // Returns the interpreted collector response (InterpretIngestResponse). Transport
  // failures (DNS, connect, TLS verification, timeout, abandonment, a malformed HTTP
  // response) are Unavailable with http_status 0; a response body over 64 KiB is
  // FailedPrecondition; an agent_id that is not a valid header value is InvalidArgument
  // without sending anything.
  UploadOutcome Upload(std::string_view frame, const protocol::BatchIdentity& identity) override;

  // GET <collector.url with its last path segment replaced by "limits"> with the bearer
  // token (InterpretLimitsResponse); transport failures are Unavailable.
  Result<protocol::DecodeLimits> FetchLimits() override;

  void SetStopFlag(const std::atomic<bool>* stop) override { client_->SetStopFlag(stop); }

 private:
  HttpUploader(HttpUploaderOptions options, HttpsClientPtr client, std::string batch_target,
               std::string limits_target);

  // One request with the User-Agent header added. Transport failures and abandonment are
  // Unavailable; an oversized response body is FailedPrecondition.
  Result<HttpsResponse> Perform(std::string_view method, const std::string& target,
                                std::vector<HttpHeader> headers, std::string_view body);

  HttpUploaderOptions options_;
  HttpsClientPtr client_;
  std::string batch_target_;   // origin-form target of options_.url
  std::string limits_target_;  // the same with the last path segment replaced by "limits"
};

}  // namespace lm::agent
