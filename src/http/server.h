// An HTTP/1.1 server (optionally TLS) on Boost.Beast with C++20 coroutines. One Server owns
// its listening socket, an io_context and its I/O threads. Keep-alive connections, bounded
// header and body sizes, idle timeouts. Thread safe: Start/Stop may be called from any
// thread; handlers run on the server's I/O threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "common/result.h"
#include "http/message.h"

namespace lm::http {

struct TlsOptions {
  std::string cert_file;  // PEM chain
  std::string key_file;   // PEM private key
};

struct ServerOptions {
  std::string name = "http";  // used in log lines
  std::string listen;         // "host:port"; port 0 picks a free port
  std::optional<TlsOptions> tls;
  size_t max_header_bytes = 16 * 1024;
  size_t max_body_bytes = 1 << 20;  // larger bodies get 413
  uint32_t idle_timeout_ms = 60'000;
  uint32_t request_timeout_ms = 30'000;  // whole request read budget
  int threads = 1;
};

class Server {
 public:
  virtual ~Server() = default;

  // The bound port (useful with port 0).
  virtual uint16_t port() const = 0;

  // Starts the I/O threads. Returns immediately.
  virtual void Start() = 0;

  // Stops accepting, closes open connections and joins the I/O threads. Idempotent.
  virtual void Stop() = 0;
};

using ServerPtr = std::unique_ptr<Server>;

// Binds and listens. InvalidArgument for a malformed listen address or unusable TLS files;
// IoError when the address cannot be bound. `check` may be empty.
Result<ServerPtr> CreateServer(ServerOptions options, Handler handler, HeaderCheck check = {});

}  // namespace lm::http
