// A small HTTPS/1.1 client on mbedTLS for the agent's uploads: one origin, one connection
// kept alive between requests, TLS 1.2 with the peer verified against one CA file only.
// Exists so that lm-agent can link fully static without libcurl's dependency tree.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/status.h"

namespace lm::agent {

struct HttpsClientOptions {
  std::string host;             // DNS name, IPv4 literal or bracketed IPv6 literal "[::1]" (as
                                // CollectorUrl::host); the certificate must name exactly this host
  uint16_t port = 443;          // 1-65535
  std::string ca_file;          // PEM certificates: the only trust anchors for the server's chain
  uint32_t timeout_ms = 10000;  // bound on connect + TLS handshake + request + response of
                                // one Request (name resolution uses the resolver's own limits)
  size_t max_body_bytes = 64 * 1024;        // larger response bodies are refused
  const std::atomic<bool>* stop = nullptr;  // see HttpsClient::SetStopFlag
};

struct HttpHeader {
  std::string name;
  std::string value;
};

struct HttpsResponse {
  int status = 0;                   // 200-599 (interim 1xx responses are skipped)
  std::vector<HttpHeader> headers;  // in received order; names lower-cased, values trimmed
  std::string body;                 // without transfer framing (chunked is decoded)

  // The value of the first header named `lower_name` (lower case), or nullptr. The pointer
  // is valid while this response is neither modified nor destroyed.
  const std::string* Header(std::string_view lower_name) const;
};

class HttpsClient;
using HttpsClientPtr = std::unique_ptr<HttpsClient>;

// Sends requests to one host:port over HTTPS/1.1 and keeps the connection open while the
// server allows it (no pipelining, no redirects, no proxies, no compression). The server's
// certificate chain must verify against options.ca_file; a DNS host must match a dNSName
// subjectAltName entry (or the CN of a certificate without subjectAltName), an IP literal
// must equal one of its iPAddress entries. Not thread safe: one request at a time.
class HttpsClient {
 public:
  // Returns InvalidArgument when host is empty or an unbracketed/malformed IP literal, port
  // is 0, timeout_ms is 0, or ca_file is unreadable, holds no PEM certificate or one that
  // does not parse (the message names the file); Internal when the random generator cannot
  // be seeded. The CA file is read here, once. Nothing is connected yet.
  static Result<HttpsClientPtr> Create(HttpsClientOptions options);

  ~HttpsClient();
  HttpsClient(const HttpsClient&) = delete;
  HttpsClient& operator=(const HttpsClient&) = delete;

  // Sends `method target HTTP/1.1` with Host (with the port unless it is 443), the
  // caller's `headers` in order, Content-Length when `body` is not empty or the method is
  // neither GET nor HEAD, then `body`; returns the complete response of any status.
  // A kept connection is reused; when it fails before any response byte arrives (the
  // server closed it while idle) the request is sent once more on a new connection, so
  // requests must be safe to repeat. A response that arrives before the body is fully sent
  // (an early rejection) is returned as is. Errors:
  //   InvalidArgument: method, target or a header is not valid on the wire, or a header is
  //     one the client sets itself (Host, Content-Length, Transfer-Encoding); nothing is sent.
  //   FailedPrecondition: "host:port: response body over N bytes" (options.max_body_bytes).
  //   Unavailable: resolution, connection, TLS or certificate verification failures (with
  //     the mbedTLS error text), a response that is not valid HTTP/1.x or exceeds 64 KiB of
  //     header bytes or 100 header lines, timeout_ms elapsing, and the stop flag being set
  //     ("request abandoned"). Every message starts with "host:port: ".
  // After any error the connection is closed; the next request opens a new one.
  Result<HttpsResponse> Request(std::string_view method, std::string_view target,
                                const std::vector<HttpHeader>& headers, std::string_view body);

  // When set, Request checks `*stop` at least every 100 ms while it waits on the network
  // and abandons the request once it is true. Not owned; must outlive the requests.
  void SetStopFlag(const std::atomic<bool>* stop) { options_.stop = stop; }

 private:
  struct Tls;  // the mbedTLS contexts, kept out of this header
  enum class Wait { kRead, kWrite };

  HttpsClient(HttpsClientOptions options, std::unique_ptr<Tls> tls);

  Result<HttpsResponse> Exchange(bool head_request, std::string_view head, std::string_view body);
  Status Connect();
  Status Handshake();
  // Closes the connection; `graceful` sends a TLS close_notify first (never waits).
  void Disconnect(bool graceful);
  bool IdleConnectionUsable();
  Status WaitFor(Wait what, std::string_view phase);
  // Sends all of `data`, or stops early with *early_response set when the server has
  // started answering (or closed) before everything was sent.
  Status WriteAll(std::string_view data, bool* early_response);
  Status Fill(std::string_view phase);
  Status ReadLine(std::string* line, size_t max_bytes, std::string_view too_long);
  Status ReadBody(size_t n, std::string* body);
  Status ReadHead(HttpsResponse* response, size_t* header_bytes, bool* http10);
  Status ReadChunked(std::string* body, size_t* header_bytes);
  Status ReadResponse(bool head_request, HttpsResponse* response);
  Status TransportError(std::string_view phase, int mbedtls_error);
  Status Closed();
  Status Malformed(std::string_view what) const;
  Status BodyTooLarge() const;

  friend struct HttpsClientCallbacks;  // mbedTLS's I/O and verification callbacks

  HttpsClientOptions options_;
  std::unique_ptr<Tls> tls_;
  std::string connect_host_;  // host without IPv6 brackets
  std::string endpoint_;      // "host:port" for messages
  std::string authority_;     // the Host header value
  std::string ip_bytes_;      // the 4 or 16 address bytes when host is an IP literal

  int fd_ = -1;
  bool established_ = false;  // the TLS handshake on fd_ completed
  bool reusable_ = false;     // the kept connection may carry another request
  std::string rbuf_;          // received, not yet consumed bytes start at rpos_
  size_t rpos_ = 0;
  bool eof_ = false;           // the server closed its sending side
  bool received_any_ = false;  // a byte of the current response arrived
  bool retryable_ = false;     // the last failure may be retried on a new connection
  bool ip_mismatch_ = false;   // verification failed on the iPAddress check
  int sock_errno_ = 0;         // errno of the last failed send/recv
  std::chrono::steady_clock::time_point deadline_;
};

}  // namespace lm::agent
