// AWS Signature Version 4 for S3 requests, written from AWS's published description of the
// algorithm and checked against its published test vectors (tests/objectstore/s3/).
//
// The caller supplies the request in its final form: the canonical URI already
// percent-encoded exactly as it is sent (S3 encodes each path segment once), the query as
// raw name/value pairs (encoded and sorted here), and every header to sign, including
// `host` and `x-amz-date` (and `x-amz-content-sha256` for S3). Thread safe (pure functions).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lm::objectstore {

struct SigV4Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty when not using temporary credentials
};

struct SigV4Request {
  std::string method;         // "GET", "PUT", ...
  std::string canonical_uri;  // e.g. "/bucket/raw/v1/ab/abcd"; "/" when empty
  std::vector<std::pair<std::string, std::string>> query;    // raw names and values
  std::vector<std::pair<std::string, std::string>> headers;  // names in any case
  std::string payload_sha256_hex;                            // lower-case hex SHA-256 of the body
};

struct SigV4Scope {
  std::string amz_date;  // "20150830T123600Z"; its first 8 characters are the date
  std::string region;    // "us-east-1"
  std::string service;   // "s3"
};

// RFC 3986 percent-encoding as SigV4 requires: unreserved characters (A-Z a-z 0-9 - . _ ~)
// stay, every other byte becomes %XX (upper-case hex); '/' stays when `keep_slash`.
std::string SigV4UriEncode(std::string_view s, bool keep_slash);

// The query in canonical form: each name and value encoded, pairs sorted by name then
// value, joined with '&'.
std::string SigV4CanonicalQuery(const std::vector<std::pair<std::string, std::string>>& query);

// The canonical request (method, URI, query, headers with lower-case names, trimmed values
// whose inner runs of spaces are collapsed, sorted by name, with repeated names joined by
// ',', the signed header list and the payload hash, joined with '\n').
std::string SigV4CanonicalRequest(const SigV4Request& request);

// "AWS4-HMAC-SHA256\n<amz_date>\n<date>/<region>/<service>/aws4_request\n<hex sha256 of
// the canonical request>".
std::string SigV4StringToSign(const SigV4Request& request, const SigV4Scope& scope);

// The value of the Authorization header:
// "AWS4-HMAC-SHA256 Credential=<key id>/<scope>, SignedHeaders=<names>, Signature=<hex>".
std::string SigV4Authorization(const SigV4Request& request, const SigV4Scope& scope,
                               const SigV4Credentials& credentials);

// Lower-case hex SHA-256 of `data`.
std::string Sha256HexOf(std::string_view data);

}  // namespace lm::objectstore
