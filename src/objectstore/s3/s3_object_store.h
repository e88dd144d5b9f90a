// The S3-compatible object store over libcurl: PUT (conditional with If-None-Match: *),
// GET, HEAD, DELETE and ListObjectsV2, signed with SigV4 (sigv4.h). Keys are stored under
// the configured prefix. Path-style (http://endpoint/bucket/key) and virtual-host style
// (http://bucket.endpoint/key) URLs.
//
// Failures: 5xx, 429 and transport errors are retried with exponential backoff and jitter
// (max_attempts in all) and then reported as Unavailable; 403 is PermissionDenied (wrong
// credentials or clock skew: the server's code and message are included); 404 NotFound;
// on a conditional create 412 (the key exists) and 409 (a concurrent create is in
// progress) are AlreadyExists. Any other status is Internal with the server's error code.
//
// Thread safe: requests run in parallel, each on a libcurl handle taken from a pool that
// keeps connections alive.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "objectstore/object_store.h"
#include "objectstore/s3/sigv4.h"

namespace lm::objectstore {

struct S3Options {
  std::string endpoint;  // "http://127.0.0.1:7480" or "https://s3.example.net"; no path
  std::string bucket;
  std::string prefix;  // key prefix inside the bucket ("" or e.g. "lightmetrics/")
  std::string region = "us-east-1";
  bool path_style = true;
  SigV4Credentials credentials;
  uint32_t timeout_ms = 30000;  // per attempt
  int max_attempts = 4;
  uint32_t backoff_initial_ms = 100;
  uint32_t backoff_max_ms = 2000;
};

// Credentials from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and the optional
// AWS_SESSION_TOKEN. InvalidArgument naming the missing variable.
Result<SigV4Credentials> S3CredentialsFromEnvironment();

class S3ObjectStore : public ObjectStore {
 public:
  // InvalidArgument for an endpoint that is not http(s)://host[:port], an empty or invalid
  // bucket name, or empty credentials. Nothing is contacted.
  static Result<std::unique_ptr<S3ObjectStore>> Create(S3Options options);
  ~S3ObjectStore() override;

  std::string Describe() const override;
  Status Put(std::string_view key, std::string_view data) override;
  Status Create(std::string_view key, std::string_view data) override;
  Result<std::string> Get(std::string_view key) override;
  Result<ObjectInfo> Head(std::string_view key) override;
  Status Delete(std::string_view key) override;
  Result<ListPage> List(const ListRequest& request) override;

  // HEAD on the bucket: Ok when it exists and the credentials are accepted.
  Status CheckBucket();
  // Creates the bucket (for tests and first-time set-up); Ok when it already exists and
  // is ours.
  Status EnsureBucket();

 private:
  struct Response;
  struct Call;
  explicit S3ObjectStore(S3Options options);

  // One signed request with retries. `key` is relative to the prefix ("" addresses the
  // bucket itself).
  Result<Response> Perform(const Call& call);
  Result<Response> PerformOnce(const Call& call, void* curl);
  Status StatusOf(const Call& call, const Response& r) const;

  void* TakeHandle();
  void ReturnHandle(void* curl);

  S3Options options_;
  std::string scheme_;  // "http" or "https"
  std::string host_;    // endpoint host[:port] as given
  std::mutex pool_mu_;
  std::vector<void*> pool_;
};

}  // namespace lm::objectstore
