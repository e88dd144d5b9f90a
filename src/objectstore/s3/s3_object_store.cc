#include "objectstore/s3/s3_object_store.h"

#include <curl/curl.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <random>
#include <thread>

#include <fmt/format.h>

#include "common/logging.h"
#include "objectstore/s3/s3_xml.h"

namespace lm::objectstore {
namespace {

constexpr uint64_t kMaxResponseBytes = 1ull << 30;

Status InitCurlOnce() {
  static std::once_flag once;
  static CURLcode code = CURLE_OK;
  std::call_once(once, [] { code = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (code != CURLE_OK) {
    return Internal(fmt::format("curl_global_init: {}", curl_easy_strerror(code)));
  }
  return Status::Ok();
}

std::string AmzDate() {
  const std::time_t now = std::time(nullptr);
  std::tm utc;
  gmtime_r(&now, &utc);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &utc);
  return buf;
}

bool ValidBucket(std::string_view b) {
  if (b.size() < 3 || b.size() > 63) return false;
  for (char c : b) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.')) return false;
  }
  return b.front() != '-' && b.front() != '.' && b.back() != '-' && b.back() != '.';
}

}  // namespace

Result<SigV4Credentials> S3CredentialsFromEnvironment() {
  SigV4Credentials c;
  const char* id = std::getenv("AWS_ACCESS_KEY_ID");
  const char* secret = std::getenv("AWS_SECRET_ACCESS_KEY");
  const char* token = std::getenv("AWS_SESSION_TOKEN");
  if (id == nullptr || *id == '\0') {
    return InvalidArgument("the s3 object store needs AWS_ACCESS_KEY_ID in the environment");
  }
  if (secret == nullptr || *secret == '\0') {
    return InvalidArgument("the s3 object store needs AWS_SECRET_ACCESS_KEY in the environment");
  }
  c.access_key_id = id;
  c.secret_access_key = secret;
  if (token != nullptr) c.session_token = token;
  return c;
}

struct S3ObjectStore::Response {
  long status = 0;
  std::string body;
  int64_t content_length = -1;  // from the response headers; -1 when not sent
};

// A request before signing: method, key (relative to the prefix; empty for the bucket),
// raw query pairs, extra headers to sign, body.
struct S3ObjectStore::Call {
  std::string method = {};
  std::string key = {};
  bool bucket_level = false;
  std::vector<std::pair<std::string, std::string>> query = {};
  std::vector<std::pair<std::string, std::string>> headers = {};
  std::string_view body = {};
  bool conditional_create = false;
  bool head = false;
};

S3ObjectStore::S3ObjectStore(S3Options options) : options_(std::move(options)) {}

S3ObjectStore::~S3ObjectStore() {
  for (void* c : pool_) curl_easy_cleanup(static_cast<CURL*>(c));
}

Result<std::unique_ptr<S3ObjectStore>> S3ObjectStore::Create(S3Options options) {
  LM_RETURN_IF_ERROR(InitCurlOnce());
  std::string_view ep = options.endpoint;
  std::string scheme;
  if (ep.starts_with("http://")) {
    scheme = "http";
  } else if (ep.starts_with("https://")) {
    scheme = "https";
  } else {
    return InvalidArgument(
        fmt::format("s3 endpoint must start with http:// or https:// (got \"{}\")", ep));
  }
  std::string_view host = ep.substr(scheme.size() + 3);
  while (host.ends_with('/')) host.remove_suffix(1);
  if (host.empty() || host.find_first_of("/?#@ ") != std::string_view::npos) {
    return InvalidArgument(
        fmt::format("s3 endpoint must be scheme://host[:port] without a path (got \"{}\")", ep));
  }
  if (!ValidBucket(options.bucket)) {
    return InvalidArgument(fmt::format(
        "s3 bucket \"{}\" is not a valid bucket name (3-63 of a-z 0-9 . -)", options.bucket));
  }
  if (options.credentials.access_key_id.empty() || options.credentials.secret_access_key.empty()) {
    return InvalidArgument("s3 credentials are empty");
  }
  if (!options.prefix.empty() && !options.prefix.ends_with('/')) options.prefix += '/';
  auto store = std::unique_ptr<S3ObjectStore>(new S3ObjectStore(std::move(options)));
  store->scheme_ = std::move(scheme);
  store->host_ = std::string(host);
  return store;
}

std::string S3ObjectStore::Describe() const {
  return fmt::format("s3://{}/{} at {}://{}", options_.bucket, options_.prefix, scheme_, host_);
}

void* S3ObjectStore::TakeHandle() {
  {
    std::lock_guard lock(pool_mu_);
    if (!pool_.empty()) {
      void* c = pool_.back();
      pool_.pop_back();
      return c;
    }
  }
  return curl_easy_init();
}

void S3ObjectStore::ReturnHandle(void* curl) {
  std::lock_guard lock(pool_mu_);
  pool_.push_back(curl);
}

Result<S3ObjectStore::Response> S3ObjectStore::PerformOnce(const Call& call, void* handle) {
  CURL* curl = static_cast<CURL*>(handle);
  curl_easy_reset(curl);
  const std::string object_path =
      call.bucket_level ? "" : SigV4UriEncode(options_.prefix + call.key, /*keep_slash=*/true);
  std::string host = host_;
  std::string canonical_uri;
  if (options_.path_style) {
    canonical_uri = "/" + options_.bucket + "/" + object_path;
  } else {
    host = options_.bucket + "." + host_;
    canonical_uri = "/" + object_path;
  }
  SigV4Request sig;
  sig.method = call.method;
  sig.canonical_uri = canonical_uri;
  sig.query = call.query;
  sig.payload_sha256_hex = Sha256HexOf(call.body);
  const std::string amz_date = AmzDate();
  sig.headers = {
      {"host", host}, {"x-amz-date", amz_date}, {"x-amz-content-sha256", sig.payload_sha256_hex}};
  if (!options_.credentials.session_token.empty()) {
    sig.headers.emplace_back("x-amz-security-token", options_.credentials.session_token);
  }
  for (const auto& h : call.headers) sig.headers.push_back(h);
  const std::string authorization =
      SigV4Authorization(sig, {amz_date, options_.region, "s3"}, options_.credentials);

  std::string url = scheme_ + "://" + host + canonical_uri;
  const std::string query = SigV4CanonicalQuery(call.query);
  if (!query.empty()) url += "?" + query;

  curl_slist* headers = nullptr;
  for (const auto& [name, value] : sig.headers) {
    headers = curl_slist_append(headers, (name + ": " + value).c_str());
  }
  headers = curl_slist_append(headers, ("Authorization: " + authorization).c_str());
  headers = curl_slist_append(headers, "Expect:");
  if (call.method == "PUT") {
    headers = curl_slist_append(headers, "Content-Type: application/octet-stream");
  }

  Response response;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout_ms));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.timeout_ms));
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  if (call.head) {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (call.method == "PUT") {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, "PUT");
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, call.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(call.body.size()));
  } else if (call.method != "GET") {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, call.method.c_str());
  }
  auto write = +[](char* p, size_t s, size_t n, void* ud) -> size_t {
    auto* body = static_cast<std::string*>(ud);
    if (body->size() + s * n > kMaxResponseBytes) return 0;
    body->append(p, s * n);
    return s * n;
  };
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, write);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
  const CURLcode rc = curl_easy_perform(curl);
  curl_slist_free_all(headers);
  if (rc != CURLE_OK) {
    return Unavailable(fmt::format("{} {}: {}", call.method, url, curl_easy_strerror(rc)));
  }
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  curl_off_t length = -1;
  if (curl_easy_getinfo(curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length) == CURLE_OK) {
    response.content_length = static_cast<int64_t>(length);
  }
  return response;
}

Result<S3ObjectStore::Response> S3ObjectStore::Perform(const Call& call) {
  std::mt19937 rng(std::random_device{}());
  uint32_t delay = options_.backoff_initial_ms;
  Status last;
  for (int attempt = 1; attempt <= options_.max_attempts; ++attempt) {
    void* curl = TakeHandle();
    if (curl == nullptr) return Internal("curl_easy_init failed");
    auto r = PerformOnce(call, curl);
    ReturnHandle(curl);
    if (r.ok() && r->status < 500 && r->status != 429) return r;
    if (r.ok()) {
      S3Error e = ParseS3Error(r->body);
      last = Unavailable(
          fmt::format("{} {}: HTTP {} {} {}", call.method, call.key, r->status, e.code, e.message));
    } else {
      last = r.error();
    }
    if (attempt == options_.max_attempts) break;
    const uint32_t sleep_ms = delay / 2 + static_cast<uint32_t>(rng() % (delay / 2 + 1));
    lm::log::Debug("s3: {} (attempt {} of {}); retrying in {} ms", last.ToString(), attempt,
                   options_.max_attempts, sleep_ms);
    std::this_thread::sleep_for(std::chrono::milliseconds(sleep_ms));
    delay = std::min(delay * 2, options_.backoff_max_ms);
  }
  return Unavailable(fmt::format("object store {} unavailable after {} attempts: {}", Describe(),
                                 options_.max_attempts, last.message()));
}

Status S3ObjectStore::StatusOf(const Call& call, const Response& r) const {
  if (r.status >= 200 && r.status < 300) return Status::Ok();
  const S3Error e = ParseS3Error(r.body);
  const std::string what = fmt::format(
      "{} {}: HTTP {}{}{}", call.method, call.bucket_level ? options_.bucket : call.key, r.status,
      e.code.empty() ? "" : " " + e.code, e.message.empty() ? "" : " (" + e.message + ")");
  if (call.conditional_create && (r.status == 412 || r.status == 409)) {
    return Status(StatusCode::kAlreadyExists, what);
  }
  if (r.status == 404) return NotFound(what);
  if (r.status == 403 || r.status == 401) return Status(StatusCode::kPermissionDenied, what);
  return Internal(what);
}

Status S3ObjectStore::Put(std::string_view key, std::string_view data) {
  LM_RETURN_IF_ERROR(ValidateKey(key));
  Call call{.method = "PUT", .key = std::string(key), .body = data};
  LM_ASSIGN_OR_RETURN(Response r, Perform(call));
  return StatusOf(call, r);
}

Status S3ObjectStore::Create(std::string_view key, std::string_view data) {
  LM_RETURN_IF_ERROR(ValidateKey(key));
  Call call{.method = "PUT",
            .key = std::string(key),
            .headers = {{"If-None-Match", "*"}},
            .body = data,
            .conditional_create = true};
  LM_ASSIGN_OR_RETURN(Response r, Perform(call));
  return StatusOf(call, r);
}

Result<std::string> S3ObjectStore::Get(std::string_view key) {
  LM_RETURN_IF_ERROR(ValidateKey(key));
  Call call{.method = "GET", .key = std::string(key)};
  LM_ASSIGN_OR_RETURN(Response r, Perform(call));
  LM_RETURN_IF_ERROR(StatusOf(call, r));
  return std::move(r.body);
}

Result<ObjectInfo> S3ObjectStore::Head(std::string_view key) {
  LM_RETURN_IF_ERROR(ValidateKey(key));
  Call call{.method = "HEAD", .key = std::string(key), .head = true};
  LM_ASSIGN_OR_RETURN(Response r, Perform(call));
  LM_RETURN_IF_ERROR(StatusOf(call, r));
  return ObjectInfo{std::string(key),
                    r.content_length < 0 ? 0 : static_cast<uint64_t>(r.content_length)};
}

Status S3ObjectStore::Delete(std::string_view key) {
  LM_RETURN_IF_ERROR(ValidateKey(key));
  Call call{.method = "DELETE", .key = std::string(key)};
  LM_ASSIGN_OR_RETURN(Response r, Perform(call));
  if (r.status == 404) return Status::Ok();
  return StatusOf(call, r);
}

Result<ListPage> S3ObjectStore::List(const ListRequest& request) {
  if (request.max_keys == 0 || request.max_keys > 1000) {
    return InvalidArgument(fmt::format("max_keys must be 1..1000 (got {})", request.max_keys));
  }
  Call call{.method = "GET", .bucket_level = true};
  call.query = {{"list-type", "2"},
                {"prefix", options_.prefix + request.prefix},
                {"max-keys", std::to_string(request.max_keys)}};
  if (!request.continuation.empty()) {
    call.query.emplace_back("continuation-token", request.continuation);
  } else if (!request.start_after.empty()) {
    call.query.emplace_back("start-after", options_.prefix + request.start_after);
  }
  LM_ASSIGN_OR_RETURN(Response r, Perform(call));
  LM_RETURN_IF_ERROR(StatusOf(call, r));
  LM_ASSIGN_OR_RETURN(S3ListResult parsed, ParseListObjectsV2(r.body));
  for (ObjectInfo& o : parsed.page.objects) {
    if (!o.key.starts_with(options_.prefix)) {
      return DataLoss(
          fmt::format("S3 listing returned key {} outside prefix {}", o.key, options_.prefix));
    }
    o.key.erase(0, options_.prefix.size());
  }
  return std::move(parsed.page);
}

Status S3ObjectStore::CheckBucket() {
  Call call{.method = "HEAD", .bucket_level = true, .head = true};
  LM_ASSIGN_OR_RETURN(Response r, Perform(call));
  return StatusOf(call, r);
}

}  // namespace lm::objectstore

namespace lm::objectstore {

Status S3ObjectStore::EnsureBucket() {
  Call call{.method = "PUT", .bucket_level = true};
  LM_ASSIGN_OR_RETURN(Response r, Perform(call));
  if (r.status == 409 && ParseS3Error(r.body).code == "BucketAlreadyOwnedByYou") {
    return Status::Ok();
  }
  return StatusOf(call, r);
}

}  // namespace lm::objectstore
