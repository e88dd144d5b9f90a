#include "agent/upload/http_uploader.h"

#include <curl/curl.h>

#include <algorithm>
#include <mutex>
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

struct ResponseBody {
  std::string data;
  bool too_large = false;
};

size_t WriteBody(char* ptr, size_t size, size_t nmemb, void* userdata) {
  auto* body = static_cast<ResponseBody*>(userdata);
  size_t n = size * nmemb;
  if (body->data.size() + n > kMaxResponseBytes) {
    body->too_large = true;
    return 0;  // aborts the transfer with CURLE_WRITE_ERROR
  }
  body->data.append(ptr, n);
  return n;
}

UploadFailure Failure(Status status) {
  UploadFailure f;
  f.status = std::move(status);
  return f;
}

Status InitCurlOnce() {
  static std::once_flag once;
  static CURLcode code = CURLE_OK;
  std::call_once(once, [] { code = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (code != CURLE_OK) {
    return Internal(fmt::format("curl_global_init: {}", curl_easy_strerror(code)));
  }
  return Status::Ok();
}

}  // namespace

HttpUploader::HeaderList::~HeaderList() { curl_slist_free_all(list); }

bool HttpUploader::HeaderList::Append(const std::string& header) {
  curl_slist* next = curl_slist_append(list, header.c_str());
  if (next == nullptr) return false;
  list = next;
  return true;
}

void HttpUploader::CurlDeleter::operator()(void* curl) const {
  curl_easy_cleanup(static_cast<CURL*>(curl));
}

HttpUploader::HttpUploader(HttpUploaderOptions options, void* curl)
    : options_(std::move(options)), curl_(curl) {}

HttpUploader::~HttpUploader() = default;

Result<std::unique_ptr<HttpUploader>> HttpUploader::Create(HttpUploaderOptions options) {
  LM_RETURN_IF_ERROR(ParseCollectorUrl(options.url).status());
  if (options.ca_file.empty()) return InvalidArgument("collector.ca_file is empty");
  if (!IsHeaderSafe(options.token)) {
    // Never echo the token itself.
    return InvalidArgument("upload token is empty or contains whitespace or control bytes");
  }
  if (options.timeout_ms == 0) return InvalidArgument("collector.timeout_ms must be > 0");
  LM_RETURN_IF_ERROR(InitCurlOnce());
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return Internal("curl_easy_init failed");
  return std::unique_ptr<HttpUploader>(new HttpUploader(std::move(options), curl));
}

namespace {

// Aborts the transfer (CURLE_ABORTED_BY_CALLBACK) once the stop flag is set.
int StopCheck(void* clientp, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto* stop = static_cast<const std::atomic<bool>*>(clientp);
  return stop != nullptr && stop->load() ? 1 : 0;
}

}  // namespace

std::string HttpUploader::LimitsUrl() const {
  // Same scheme, authority and path prefix as the batch URL; the last path segment
  // ("batch") becomes "limits" and any query is dropped.
  std::string url = options_.url.substr(0, options_.url.find('?'));
  size_t slash = url.rfind('/');
  if (slash == std::string::npos || slash < std::string_view("https://").size()) {
    return url + "/limits";
  }
  return url.substr(0, slash + 1) + "limits";
}

Status HttpUploader::Perform(const std::string& url, const HeaderList& headers,
                             std::optional<std::string_view> post_body, HttpResult* out) {
  CURL* curl = static_cast<CURL*>(curl_.get());
  // Reset keeps the connection cache and TLS session, clears all per-request options.
  curl_easy_reset(curl);
  ResponseBody body;
  char error_buffer[CURL_ERROR_SIZE] = {};
  const std::string user_agent = fmt::format("lm-agent/{}", kAgentVersion);
  const long timeout_ms = static_cast<long>(options_.timeout_ms);
  CURLcode rc = CURLE_OK;
  auto set = [&](CURLoption option, auto value) {
    if (rc == CURLE_OK) rc = curl_easy_setopt(curl, option, value);
  };
  set(CURLOPT_ERRORBUFFER, error_buffer);
  set(CURLOPT_URL, url.c_str());
  set(CURLOPT_PROTOCOLS_STR, "https");
  set(CURLOPT_FOLLOWLOCATION, 0L);
  set(CURLOPT_NOSIGNAL, 1L);
  set(CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
  set(CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
  set(CURLOPT_SSL_VERIFYPEER, 1L);
  set(CURLOPT_SSL_VERIFYHOST, 2L);
  set(CURLOPT_CAINFO, options_.ca_file.c_str());
  set(CURLOPT_CAPATH, static_cast<const char*>(nullptr));  // trust ca_file only
  set(CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
  set(CURLOPT_TIMEOUT_MS, timeout_ms);
  set(CURLOPT_USERAGENT, user_agent.c_str());
  set(CURLOPT_HTTPHEADER, headers.list);
  if (post_body) {
    set(CURLOPT_POST, 1L);
    set(CURLOPT_POSTFIELDS, post_body->data());
    set(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(post_body->size()));
  } else {
    set(CURLOPT_HTTPGET, 1L);
  }
  set(CURLOPT_WRITEFUNCTION, &WriteBody);
  set(CURLOPT_WRITEDATA, &body);
  if (stop_ != nullptr) {
    set(CURLOPT_XFERINFOFUNCTION, &StopCheck);
    set(CURLOPT_XFERINFODATA, static_cast<const void*>(stop_));
    set(CURLOPT_NOPROGRESS, 0L);
  }
  if (rc != CURLE_OK) {
    return Internal(fmt::format("curl_easy_setopt: {}", curl_easy_strerror(rc)));
  }
  rc = curl_easy_perform(curl);
  if (body.too_large) {
    return FailedPrecondition(
        fmt::format("collector response body exceeds {} bytes", kMaxResponseBytes));
  }
  if (rc == CURLE_ABORTED_BY_CALLBACK) {
    return Unavailable(fmt::format("request to {} abandoned: the agent is stopping", url));
  }
  if (rc != CURLE_OK) {
    std::string detail = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(rc);
    return Unavailable(fmt::format("request to {}: {}", url, detail));
  }
  long http_status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &http_status);
  out->status = static_cast<int>(http_status);
  out->body = std::move(body.data);
  out->retry_after.clear();
  curl_header* header = nullptr;
  if (curl_easy_header(curl, "Retry-After", 0, CURLH_HEADER, -1, &header) == CURLHE_OK &&
      header != nullptr && header->value != nullptr) {
    out->retry_after = header->value;
  }
  return Status::Ok();
}

UploadOutcome HttpUploader::Upload(std::string_view frame,
                                   const protocol::BatchIdentity& identity) {
  // Re-checked per request: the options are trusted to be unchanged, but the request
  // must never be built from a URL that was not checked.
  if (Status s = ParseCollectorUrl(options_.url).status(); !s.ok()) return Failure(s);
  if (!IsHeaderSafe(identity.agent_id)) {
    return Failure(InvalidArgument("agent_id is not a valid HTTP header value"));
  }
  HeaderList headers;
  const bool headers_ok =
      headers.Append("Content-Type: application/x-capnp") &&
      headers.Append("Authorization: Bearer " + options_.token) &&
      headers.Append("X-Lightmetrics-Agent: " + identity.agent_id) &&
      headers.Append(fmt::format("X-Lightmetrics-Seq-Start: {}", identity.seq_start)) &&
      headers.Append(fmt::format("X-Lightmetrics-Seq-End: {}", identity.seq_end)) &&
      headers.Append("Expect:");
  if (!headers_ok) return Failure(Internal("curl_slist_append failed"));
  HttpResult result;
  if (Status s = Perform(options_.url, headers, frame, &result); !s.ok()) return Failure(s);
  return InterpretIngestResponse(result.status, result.body, result.retry_after, identity);
}

Result<protocol::DecodeLimits> HttpUploader::FetchLimits() {
  const std::string url = LimitsUrl();
  LM_RETURN_IF_ERROR(ParseCollectorUrl(url).status());
  HeaderList headers;
  if (!headers.Append("Authorization: Bearer " + options_.token)) {
    return Internal("curl_slist_append failed");
  }
  HttpResult result;
  LM_RETURN_IF_ERROR(Perform(url, headers, std::nullopt, &result));
  return InterpretLimitsResponse(result.status, result.body);
}

}  // namespace lm::agent
