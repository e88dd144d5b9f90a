// A minimal HTTPS/1.1 server for uploader tests: serves scripted responses one connection
// at a time on 127.0.0.1 and records each request. Uses a self-signed certificate made at
// construction (SAN localhost and 127.0.0.1) that tests pass to the client as its CA file.
#pragma once

#include <signal.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace lm::agent::testing {

// A private key and self-signed certificate, written as PEM files.
class SelfSignedCert {
 public:
  explicit SelfSignedCert(const std::string& cert_path) : cert_path_(cert_path) {
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
                               reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
    X509_set_issuer_name(cert_, name);
    AddExtension(NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1");
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
  int delay_ms = 0;           // wait this long before answering
};

class TestTlsServer {
 public:
  TestTlsServer(const SelfSignedCert& cert, std::vector<ScriptedResponse> responses)
      : responses_(responses.begin(), responses.end()) {
    // A client that hangs up early must not kill the test process with SIGPIPE.
    ::signal(SIGPIPE, SIG_IGN);
    ctx_ = SSL_CTX_new(TLS_server_method());
    if (ctx_ == nullptr || SSL_CTX_use_certificate(ctx_, cert.cert()) != 1 ||
        SSL_CTX_use_PrivateKey(ctx_, cert.key()) != 1) {
      std::abort();
    }
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof(addr);
    if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
        ::listen(listen_fd_, 8) != 0 ||
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      std::abort();
    }
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }

  ~TestTlsServer() {
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

 private:
  void Serve() {
    for (;;) {
      int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) return;
      SSL* ssl = SSL_new(ctx_);
      SSL_set_fd(ssl, fd);
      if (SSL_accept(ssl) == 1) HandleOne(ssl);
      SSL_shutdown(ssl);
      SSL_free(ssl);
      ::close(fd);
    }
  }

  void HandleOne(SSL* ssl) {
    std::string in;
    char buf[16384];
    size_t head_end;
    while ((head_end = in.find("\r\n\r\n")) == std::string::npos) {
      int n = SSL_read(ssl, buf, sizeof(buf));
      if (n <= 0) return;
      in.append(buf, static_cast<size_t>(n));
    }
    RecordedRequest req;
    std::string head = in.substr(0, head_end);
    size_t pos = head.find("\r\n");
    req.request_line = head.substr(0, pos);
    while (pos != std::string::npos) {
      size_t next = head.find("\r\n", pos + 2);
      req.headers.push_back(
          head.substr(pos + 2, next == std::string::npos ? next : next - pos - 2));
      pos = next;
    }
    std::string length = req.Header("Content-Length");
    size_t want = length == "<absent>" ? 0 : std::stoul(length);
    req.body = in.substr(head_end + 4);
    while (req.body.size() < want) {
      int n = SSL_read(ssl, buf, sizeof(buf));
      if (n <= 0) return;
      req.body.append(buf, static_cast<size_t>(n));
    }
    ScriptedResponse resp;
    {
      std::lock_guard<std::mutex> lock(mu_);
      requests_.push_back(req);
      if (!responses_.empty()) {
        resp = responses_.front();
        responses_.pop_front();
      } else {
        resp = {500, R"({"status":"error","reason":"test","error":"no scripted response"})", ""};
      }
    }
    if (resp.delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(resp.delay_ms));
    std::string out = "HTTP/1.1 " + std::to_string(resp.status) + " X\r\n" +
                      "Content-Type: application/json\r\nConnection: close\r\n" +
                      resp.extra_headers + "Content-Length: " + std::to_string(resp.body.size()) +
                      "\r\n\r\n" + resp.body;
    SSL_write(ssl, out.data(), static_cast<int>(out.size()));
  }

  SSL_CTX* ctx_ = nullptr;
  int listen_fd_ = -1;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::deque<ScriptedResponse> responses_;
  std::vector<RecordedRequest> requests_;
};

}  // namespace lm::agent::testing
