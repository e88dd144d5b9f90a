#include "agent/upload/http_uploader.h"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "agent/upload/ingest_response.h"
#include "agent/version.h"

namespace lm::agent {
namespace {

constexpr size_t kMaxResponseBytes = 64 * 1024;

// True for bytes that may appear in an HTTP header value we build: visible ASCII only, so
// that no configured value can end the header line or inject another one.
bool IsHeaderSafe(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u > 0x20 && u < 0x7f;
  });
}

UploadFailure Failure(Status status) {
  UploadFailure f;
  f.status = std::move(status);
  return f;
}

// Same scheme, authority and path prefix as the batch URL; the last path segment ("batch")
// becomes "limits" and any query is dropped.
std::string LimitsUrl(const std::string& batch_url) {
  std::string url = batch_url.substr(0, batch_url.find('?'));
  size_t slash = url.rfind('/');
  if (slash == std::string::npos || slash < std::string_view("https://").size()) {
    return url + "/limits";
  }
  return url.substr(0, slash + 1) + "limits";
}

}  // namespace

HttpUploader::HttpUploader(HttpUploaderOptions options, HttpsClientPtr client,
                           std::string batch_target, std::string limits_target)
    : options_(std::move(options)),
      client_(std::move(client)),
      batch_target_(std::move(batch_target)),
      limits_target_(std::move(limits_target)) {}

HttpUploader::~HttpUploader() = default;

Result<std::unique_ptr<HttpUploader>> HttpUploader::Create(HttpUploaderOptions options) {
  LM_ASSIGN_OR_RETURN(CollectorUrl url, ParseCollectorUrl(options.url));
  LM_ASSIGN_OR_RETURN(CollectorUrl limits_url, ParseCollectorUrl(LimitsUrl(options.url)));
  if (options.ca_file.empty()) return InvalidArgument("collector.ca_file is empty");
  if (!IsHeaderSafe(options.token)) {
    // Never echo the token itself.
    return InvalidArgument("upload token is empty or contains whitespace or control bytes");
  }
  if (options.timeout_ms == 0) return InvalidArgument("collector.timeout_ms must be > 0");
  HttpsClientOptions client_options;
  client_options.host = url.host;
  client_options.port = url.port;
  client_options.ca_file = options.ca_file;
  client_options.timeout_ms = options.timeout_ms;
  client_options.max_body_bytes = kMaxResponseBytes;
  LM_ASSIGN_OR_RETURN(HttpsClientPtr client, HttpsClient::Create(std::move(client_options)));
  return std::unique_ptr<HttpUploader>(new HttpUploader(
      std::move(options), std::move(client), std::move(url.target), std::move(limits_url.target)));
}

Result<HttpsResponse> HttpUploader::Perform(std::string_view method, const std::string& target,
                                            std::vector<HttpHeader> headers,
                                            std::string_view body) {
  headers.push_back({"User-Agent", fmt::format("lm-agent/{}", kAgentVersion)});
  return client_->Request(method, target, headers, body);
}

UploadOutcome HttpUploader::Upload(std::string_view frame,
                                   const protocol::BatchIdentity& identity) {
  if (!IsHeaderSafe(identity.agent_id)) {
    return Failure(InvalidArgument("agent_id is not a valid HTTP header value"));
  }
  std::vector<HttpHeader> headers = {
      {"Content-Type", "application/x-capnp"},
      {"Authorization", "Bearer " + options_.token},
      {"X-Lightmetrics-Agent", identity.agent_id},
      {"X-Lightmetrics-Seq-Start", std::to_string(identity.seq_start)},
      {"X-Lightmetrics-Seq-End", std::to_string(identity.seq_end)},
  };
  Result<HttpsResponse> response = Perform("POST", batch_target_, std::move(headers), frame);
  if (!response.ok()) return Failure(response.error());
  const std::string* retry_after = response->Header("retry-after");
  return InterpretIngestResponse(response->status, response->body,
                                 retry_after != nullptr ? *retry_after : std::string_view(),
                                 identity);
}

Result<protocol::DecodeLimits> HttpUploader::FetchLimits() {
  LM_ASSIGN_OR_RETURN(
      HttpsResponse response,
      Perform("GET", limits_target_, {{"Authorization", "Bearer " + options_.token}}, {}));
  return InterpretLimitsResponse(response.status, response.body);
}

}  // namespace lm::agent
