// Uploads frames to the collector's public ingest endpoint over HTTPS with libcurl.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "agent/upload/collector_url.h"
#include "agent/upload/uploader.h"
#include "common/result.h"

struct curl_slist;  // libcurl's header list

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
// and no Content-Encoding; "Expect: 100-continue" is suppressed. TLS peer and host name
// verification are always on and only `ca_file` is trusted. HTTP/1.1, no redirects, https
// only; the standard proxy environment variables are honoured as curl does by default.
// The connection is kept alive between uploads. Not thread safe (one curl easy handle).
class HttpUploader : public Uploader {
 public:
  // Returns InvalidArgument when the URL is refused (ParseCollectorUrl), ca_file is empty,
  // the token is empty or has bytes outside visible ASCII, or timeout_ms is 0; Internal
  // when libcurl cannot be initialised. Nothing is connected yet.
  static Result<std::unique_ptr<HttpUploader>> Create(HttpUploaderOptions options);

  ~HttpUploader() override;
  HttpUploader(const HttpUploader&) = delete;
  HttpUploader& operator=(const HttpUploader&) = delete;

  // Returns the interpreted collector response (InterpretIngestResponse). Transport
  // failures (DNS, connect, TLS verification, timeout) are Unavailable with http_status 0;
  // a response body over 64 KiB is FailedPrecondition; an agent_id that is not a valid
  // header value is InvalidArgument without sending anything.
  UploadOutcome Upload(std::string_view frame, const protocol::BatchIdentity& identity) override;

  // GET <collector.url with its last path segment replaced by "limits"> with the bearer
  // token (InterpretLimitsResponse); transport failures are Unavailable.
  Result<protocol::DecodeLimits> FetchLimits() override;

  void SetStopFlag(const std::atomic<bool>* stop) override { stop_ = stop; }

 private:
  struct HeaderList {
    curl_slist* list = nullptr;
    ~HeaderList();
    bool Append(const std::string& header);
  };
  struct HttpResult {
    int status = 0;
    std::string body;
    std::string retry_after;
  };

  std::string LimitsUrl() const;
  // One request: POST `post_body` when set, else GET. Transport failures and abandonment
  // are Unavailable; an oversized response body is FailedPrecondition.
  Status Perform(const std::string& url, const HeaderList& headers,
                 std::optional<std::string_view> post_body, HttpResult* out);

  struct CurlDeleter {
    void operator()(void* curl) const;
  };

  HttpUploader(HttpUploaderOptions options, void* curl);

  HttpUploaderOptions options_;
  std::unique_ptr<void, CurlDeleter> curl_;
  const std::atomic<bool>* stop_ = nullptr;
};

}  // namespace lm::agent
