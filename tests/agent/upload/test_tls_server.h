// A minimal HTTPS/1.1 server for uploader and HTTPS client tests: serves scripted responses
// one connection at a time on 127.0.0.1 (or [::1]) and records each request. Uses either a
// self-signed certificate made at construction (SAN localhost and 127.0.0.1 unless told
// otherwise) that tests pass to the client as its CA file, or PEM files from gen-tls.
#pragma once

#include <signal.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace lm::agent::testing {

// A private key and self-signed CA certificate, written as PEM files.
class SelfSignedCert {
 public:
  explicit SelfSignedCert(const std::string& cert_path,
                          const char* subject_alt_names = "DNS:localhost,IP:127.0.0.1")
      : cert_path_(cert_path) {
    key_ = EVP_EC_gen("P-256");
    cert_ = X509_new();
    if (key_ == nullptr || cert_ == nullptr) std::abort();
    X509_set_version(cert_, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert_), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert_), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert_), 24 * 3600);
    X509_set_pubkey(cert_, key_);
    X509_NAME* name = X509_get_subject_name(cert_);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("test-server"), -1, -1, 0);
    X509_set_issuer_name(cert_, name);
    AddExtension(NID_subject_alt_name, subject_alt_names);
    AddExtension(NID_basic_constraints, "critical,CA:TRUE");
    if (X509_sign(cert_, key_, EVP_sha256()) == 0) std::abort();
    FILE* f = std::fopen(cert_path_.c_str(), "w");
    if (f == nullptr || PEM_write_X509(f, cert_) != 1) std::abort();
    std::fclose(f);
  }
  ~SelfSignedCert() {
    X509_free(cert_);
    EVP_PKEY_free(key_);
  }
  SelfSignedCert(const SelfSignedCert&) = delete;
  SelfSignedCert& operator=(const SelfSignedCert&) = delete;

  X509* cert() const { return cert_; }
  EVP_PKEY* key() const { return key_; }
  const std::string& path() const { return cert_path_; }

 private:
  void AddExtension(int nid, const char* value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert_, cert_, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    if (ext == nullptr) std::abort();
    X509_add_ext(cert_, ext, -1);
    X509_EXTENSION_free(ext);
  }

  std::string cert_path_;
  EVP_PKEY* key_ = nullptr;
  X509* cert_ = nullptr;
};

// A server certificate and key read from PEM files (e.g. made by scripts/gen-tls).
class PemCert {
 public:
  PemCert(const std::string& cert_path, const std::string& key_path) {
    FILE* f = std::fopen(cert_path.c_str(), "r");
    if (f == nullptr) std::abort();
    cert_ = PEM_read_X509(f, nullptr, nullptr, nullptr);
    std::fclose(f);
    f = std::fopen(key_path.c_str(), "r");
    if (f == nullptr) std::abort();
    key_ = PEM_read_PrivateKey(f, nullptr, nullptr, nullptr);
    std::fclose(f);
    if (cert_ == nullptr || key_ == nullptr) std::abort();
  }
  ~PemCert() {
    X509_free(cert_);
    EVP_PKEY_free(key_);
  }
  PemCert(const PemCert&) = delete;
  PemCert& operator=(const PemCert&) = delete;

  X509* cert() const { return cert_; }
  EVP_PKEY* key() const { return key_; }

 private:
  X509* cert_ = nullptr;
  EVP_PKEY* key_ = nullptr;
};

struct RecordedRequest {
  std::string request_line;          // "POST /ingest/v1/batch HTTP/1.1"
  std::vector<std::string> headers;  // raw "Name: value" lines, in order
  std::string body;

  // The value of the first header named `name` (case-insensitive), or "<absent>".
  std::string Header(const std::string& name) const {
    for (const std::string& h : headers) {
      if (h.size() > name.size() && h[name.size()] == ':' &&
          strncasecmp(h.c_str(), name.c_str(), name.size()) == 0) {
        size_t v = name.size() + 1;
        while (v < h.size() && h[v] == ' ') ++v;
        return h.substr(v);
      }
    }
    return "<absent>";
  }
};

struct ScriptedResponse {
  int status = 200;
  std::string body;
  std::string extra_headers;  // "Name: value\r\n" lines
  int delay_ms = 0;           // wait this long before answering (cut short by destruction)
  std::string raw = {};       // when not empty: sent verbatim instead of a built response
  bool chunked = false;       // send `body` with chunked transfer-encoding (and a trailer)
  bool no_length = false;     // no Content-Length: the body ends when the server closes
  bool close_after = false;   // close the connection after answering, without announcing it
  bool drop = false;          // close the connection without answering (no close_notify)
  bool early = false;         // answer after the request head, discard the body
};

struct TestTlsServerOptions {
  bool keep_alive = false;  // serve several requests per connection unless a response closes
  bool ipv6 = false;        // listen on [::1] instead of 127.0.0.1
};

// True when this machine can listen on [::1].
inline bool Ipv6LoopbackAvailable() {
  int fd = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in6 addr{};
  addr.sin6_family = AF_INET6;
  addr.sin6_addr = in6addr_loopback;
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return ok;
}

class TestTlsServer {
 public:
  TestTlsServer(const SelfSignedCert& cert, std::vector<ScriptedResponse> responses,
                TestTlsServerOptions options = {})
      : TestTlsServer(cert.cert(), cert.key(), std::move(responses), options) {}
  TestTlsServer(const PemCert& cert, std::vector<ScriptedResponse> responses,
                TestTlsServerOptions options = {})
      : TestTlsServer(cert.cert(), cert.key(), std::move(responses), options) {}

  TestTlsServer(X509* cert, EVP_PKEY* key, std::vector<ScriptedResponse> responses,
                TestTlsServerOptions options)
      : options_(options), responses_(responses.begin(), responses.end()) {
    // A client that hangs up early must not kill the test process with SIGPIPE.
    ::signal(SIGPIPE, SIG_IGN);
    ctx_ = SSL_CTX_new(TLS_server_method());
    if (ctx_ == nullptr || SSL_CTX_use_certificate(ctx_, cert) != 1 ||
        SSL_CTX_use_PrivateKey(ctx_, key) != 1) {
      std::abort();
    }
    sockaddr_storage addr{};
    socklen_t len = 0;
    if (options_.ipv6) {
      auto* a6 = reinterpret_cast<sockaddr_in6*>(&addr);
      a6->sin6_family = AF_INET6;
      a6->sin6_addr = in6addr_loopback;
      len = sizeof(*a6);
    } else {
      auto* a4 = reinterpret_cast<sockaddr_in*>(&addr);
      a4->sin_family = AF_INET;
      a4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      len = sizeof(*a4);
    }
    listen_fd_ = ::socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
        ::listen(listen_fd_, 8) != 0 ||
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      std::abort();
    }
    port_ = ntohs(options_.ipv6 ? reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port
                                : reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
    thread_ = std::thread([this] { Serve(); });
  }

  ~TestTlsServer() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
      if (conn_fd_ >= 0) ::shutdown(conn_fd_, SHUT_RDWR);  // wakes a blocked SSL_read
    }
    cv_.notify_all();                   // cuts a response delay short
    ::shutdown(listen_fd_, SHUT_RDWR);  // wakes the blocked accept
    thread_.join();
    ::close(listen_fd_);
    SSL_CTX_free(ctx_);
  }

  int port() const { return port_; }
  std::string Url(const std::string& host = "127.0.0.1") const {
    return "https://" + host + ":" + std::to_string(port_) + "/ingest/v1/batch";
  }

  std::vector<RecordedRequest> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }
  // TCP connections accepted so far.
  int connections() {
    std::lock_guard<std::mutex> lock(mu_);
    return connections_;
  }

 private:
  void Serve() {
    for (;;) {
      int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) return;
      {
        std::lock_guard<std::mutex> lock(mu_);
        ++connections_;
        conn_fd_ = fd;
        if (stopping_) ::shutdown(fd, SHUT_RDWR);
      }
      SSL* ssl = SSL_new(ctx_);
      SSL_set_fd(ssl, fd);
      bool graceful = true;
      if (SSL_accept(ssl) == 1) graceful = ServeConnection(ssl);
      if (graceful) SSL_shutdown(ssl);
      SSL_free(ssl);
      {
        std::lock_guard<std::mutex> lock(mu_);
        conn_fd_ = -1;
      }
      ::close(fd);
    }
  }

  // Serves requests until the connection should close. Returns false when it must be
  // dropped without a close_notify.
  bool ServeConnection(SSL* ssl) {
    std::string in;  // received bytes not yet consumed
    for (;;) {
      RecordedRequest req;
      if (!ReadHead(ssl, &in, &req)) return true;
      ScriptedResponse resp = NextResponse();
      if (!resp.early && !ReadBody(ssl, &in, &req)) return true;
      {
        std::lock_guard<std::mutex> lock(mu_);
        requests_.push_back(req);
      }
      if (resp.drop) return false;
      if (resp.delay_ms > 0) {
        std::unique_lock<std::mutex> lock(mu_);
        if (cv_.wait_for(lock, std::chrono::milliseconds(resp.delay_ms),
                         [this] { return stopping_; })) {
          return false;
        }
      }
      std::string out = resp.raw.empty() ? Build(resp) : resp.raw;
      SSL_write(ssl, out.data(), static_cast<int>(out.size()));
      if (resp.early) {
        char buf[16384];
        while (SSL_read(ssl, buf, sizeof(buf)) > 0) {
        }
        return true;
      }
      if (!options_.keep_alive || resp.close_after || resp.no_length) return true;
    }
  }

  ScriptedResponse NextResponse() {
    std::lock_guard<std::mutex> lock(mu_);
    if (responses_.empty()) {
      return {500, R"({"status":"error","reason":"test","error":"no scripted response"})", ""};
    }
    ScriptedResponse resp = responses_.front();
    responses_.pop_front();
    return resp;
  }

  std::string Build(const ScriptedResponse& resp) const {
    std::string out = "HTTP/1.1 " + std::to_string(resp.status) + " X\r\n" +
                      "Content-Type: application/json\r\n" +
                      (options_.keep_alive ? "" : "Connection: close\r\n") + resp.extra_headers;
    if (resp.no_length) return out + "\r\n" + resp.body;
    if (!resp.chunked) {
      return out + "Content-Length: " + std::to_string(resp.body.size()) + "\r\n\r\n" + resp.body;
    }
    out += "Transfer-Encoding: chunked\r\n\r\n";
    char size[32];
    for (size_t pos = 0; pos < resp.body.size(); pos += 1000) {
      std::string piece = resp.body.substr(pos, 1000);
      std::snprintf(size, sizeof(size), "%zx", piece.size());
      out += std::string(size) + (pos == 0 ? ";ext=1" : "") + "\r\n" + piece + "\r\n";
    }
    return out + "0\r\nX-Trailer: t\r\n\r\n";
  }

  static bool ReadMore(SSL* ssl, std::string* in) {
    char buf[16384];
    int n = SSL_read(ssl, buf, sizeof(buf));
    if (n <= 0) return false;
    in->append(buf, static_cast<size_t>(n));
    return true;
  }

  static bool ReadHead(SSL* ssl, std::string* in, RecordedRequest* req) {
    size_t head_end;
    while ((head_end = in->find("\r\n\r\n")) == std::string::npos) {
      if (!ReadMore(ssl, in)) return false;
    }
    std::string head = in->substr(0, head_end);
    in->erase(0, head_end + 4);
    size_t pos = head.find("\r\n");
    req->request_line = head.substr(0, pos);
    while (pos != std::string::npos) {
      size_t next = head.find("\r\n", pos + 2);
      req->headers.push_back(
          head.substr(pos + 2, next == std::string::npos ? next : next - pos - 2));
      pos = next;
    }
    return true;
  }

  static bool ReadBody(SSL* ssl, std::string* in, RecordedRequest* req) {
    std::string length = req->Header("Content-Length");
    size_t want = length == "<absent>" ? 0 : std::stoul(length);
    while (in->size() < want) {
      if (!ReadMore(ssl, in)) return false;
    }
    req->body = in->substr(0, want);
    in->erase(0, want);
    return true;
  }

  TestTlsServerOptions options_;
  SSL_CTX* ctx_ = nullptr;
  int listen_fd_ = -1;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  int conn_fd_ = -1;
  int connections_ = 0;
  std::deque<ScriptedResponse> responses_;
  std::vector<RecordedRequest> requests_;
};

// Accepts TCP connections into its backlog but never reads or answers: a client's TLS
// handshake with it hangs.
class SilentTcpServer {
 public:
  SilentTcpServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
        ::listen(fd_, 8) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      std::abort();
    }
    port_ = ntohs(addr.sin_port);
  }
  ~SilentTcpServer() { ::close(fd_); }
  SilentTcpServer(const SilentTcpServer&) = delete;
  SilentTcpServer& operator=(const SilentTcpServer&) = delete;

  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// A loopback port nothing listens on: connecting to it is refused.
inline int RefusedPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    std::abort();
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace lm::agent::testing
