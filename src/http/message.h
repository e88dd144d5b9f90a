// HTTP request and response values exchanged between the server (src/http/server.h) and
// handlers. Deliberately free of Boost so that handler modules compile fast and do not
// depend on the transport. Value types; thread compatible.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lm::http {

struct Request {
  std::string method;  // upper case, e.g. "GET"
  std::string target;  // as sent: path plus optional "?query"
  std::string path;    // target up to '?', not percent-decoded
  std::string query;   // after '?', not decoded; empty when absent
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  std::string remote_address;  // "ip:port" of the peer

  // The first value of header `name` (case-insensitive), or empty when absent.
  std::string_view Header(std::string_view name) const;
  bool HasHeader(std::string_view name) const;
};

// A response body produced over time, e.g. server-sent events. The server writes the
// response head (chunked transfer encoding; the connection closes afterwards), then polls
// the stream on its I/O thread every few milliseconds while it has nothing to send: Poll
// returns the bytes available now (possibly none) and sets *last when the body ends. Poll
// must not block. The server calls Cancel exactly once when it stops serving the body (the
// end, the client gone, a failed write, the server stopping). Implementations must be
// thread safe: producers append from their own threads.
class BodyStream {
 public:
  virtual ~BodyStream() = default;
  virtual std::string Poll(bool* last) = 0;
  virtual void Cancel() = 0;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // When set, `body` is ignored and the body comes from the stream.
  std::shared_ptr<BodyStream> stream;

  Response& AddHeader(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }
};

// Builds {"status":"error","errorType":error_type,"error":message} with `status`.
Response JsonError(int status, std::string_view error_type, std::string_view message);

// Delivers the response for one request. Must be called exactly once; may be called from
// any thread, before or after the handler returns.
using Responder = std::function<void(Response)>;

// Serves one request. Runs on a server I/O thread: long or blocking work must move to
// another thread and call the responder from there.
using Handler = std::function<void(Request&& request, Responder respond)>;

// Inspects a request whose headers have been read but whose body has not. Returning true
// answers the request with *reject without reading the body (e.g. 401, 413, 415) and
// closes the connection; returning false proceeds to read the body.
using HeaderCheck = std::function<bool(const Request& head, Response* reject)>;

}  // namespace lm::http
