#include "agent/upload/https_client.h"

#include <arpa/inet.h>
#include <mbedtls/asn1.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/oid.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <optional>
#include <system_error>
#include <utility>

#include <fmt/format.h>

#include "common/file_util.h"

namespace lm::agent {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kMaxHeaderBytes = 64 * 1024;
constexpr size_t kMaxHeaderLines = 100;
constexpr size_t kMaxChunkLineBytes = 1024;
constexpr size_t kMaxCaFileBytes = 4 << 20;
constexpr size_t kReadChunk = 16 * 1024;
constexpr size_t kSmallBody = 16 * 1024;  // sent together with the request head
constexpr auto kPollSlice = std::chrono::milliseconds(100);
constexpr std::string_view kResponsePhase = "waiting for the response";

std::string MbedtlsError(int code) {
  char text[256];
  mbedtls_strerror(code, text, sizeof(text));
  return fmt::format("{} (-0x{:04x})", text, static_cast<unsigned>(-code));
}

std::string ErrnoText(int err) { return std::system_category().message(err); }

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string ToLower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), Lower);
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return Lower(x) == Lower(y); });
}

// RFC 9110 token: the characters allowed in methods and header names.
bool IsToken(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  });
}

// Visible ASCII, space and tab: what the client puts into a request header value.
bool IsRequestFieldValue(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u == '\t' || (u >= 0x20 && u < 0x7f);
  });
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The trimmed, non-empty elements of a comma-separated header value.
std::vector<std::string_view> ListElements(std::string_view value) {
  std::vector<std::string_view> out;
  while (!value.empty()) {
    size_t comma = value.find(',');
    std::string_view element = Trim(value.substr(0, comma));
    if (!element.empty()) out.push_back(element);
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return out;
}

// A quoted, printable excerpt of server-sent bytes for error messages.
std::string Excerpt(std::string_view s) {
  std::string out = "\"";
  for (char c : s.substr(0, 80)) {
    auto u = static_cast<unsigned char>(c);
    out += u >= 0x20 && u < 0x7f ? c : '?';
  }
  return out + (s.size() > 80 ? "...\"" : "\"");
}

std::optional<uint64_t> ParseDecimal(std::string_view s) {
  if (s.empty() || s.size() > 18) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}

std::string AddressText(const sockaddr* addr) {
  char text[INET6_ADDRSTRLEN] = "?";
  if (addr->sa_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(addr)->sin_addr, text, sizeof(text));
    return text;
  }
  inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(addr)->sin6_addr, text, sizeof(text));
  return fmt::format("[{}]", text);
}

// True when the subjectAltName extension of `crt` has an iPAddress entry whose bytes equal
// `ip` (4 or 16 bytes). Needed because mbedTLS 2.28 matches host names against dNSName
// entries only. Malformed DER counts as no match.
bool CertificateNamesIp(const mbedtls_x509_crt& crt, std::string_view ip) {
  // v3_ext holds the DER of Extensions ::= SEQUENCE OF Extension, without the [3] wrapper.
  unsigned char* p = crt.v3_ext.p;
  if (p == nullptr) return false;
  const unsigned char* end = p + crt.v3_ext.len;
  const int kSequence = MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE;
  size_t len = 0;
  if (mbedtls_asn1_get_tag(&p, end, &len, kSequence) != 0) return false;
  end = p + len;
  while (p < end) {
    // Extension ::= SEQUENCE { extnID OID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }
    if (mbedtls_asn1_get_tag(&p, end, &len, kSequence) != 0) return false;
    unsigned char* ext_end = p + len;
    if (mbedtls_asn1_get_tag(&p, ext_end, &len, MBEDTLS_ASN1_OID) != 0) return false;
    const bool is_san = len == MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME) &&
                        std::memcmp(p, MBEDTLS_OID_SUBJECT_ALT_NAME, len) == 0;
    p += len;
    if (!is_san) {
      p = ext_end;
      continue;
    }
    int critical = 0;
    if (p < ext_end && *p == MBEDTLS_ASN1_BOOLEAN &&
        mbedtls_asn1_get_bool(&p, ext_end, &critical) != 0) {
      return false;
    }
    if (mbedtls_asn1_get_tag(&p, ext_end, &len, MBEDTLS_ASN1_OCTET_STRING) != 0) return false;
    // GeneralNames ::= SEQUENCE OF GeneralName; iPAddress is [7] IMPLICIT OCTET STRING.
    const unsigned char* value_end = p + len;
    if (mbedtls_asn1_get_tag(&p, value_end, &len, kSequence) != 0) return false;
    const unsigned char* names_end = p + len;
    while (p < names_end) {
      const unsigned char tag = *p++;
      if (mbedtls_asn1_get_len(&p, names_end, &len) != 0) return false;
      if (tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7) && len == ip.size() &&
          std::memcmp(p, ip.data(), len) == 0) {
        return true;
      }
      p += len;
    }
    p = ext_end;
  }
  return false;
}

}  // namespace

struct HttpsClient::Tls {
  mbedtls_entropy_context entropy;
  mbedtls_ctr_drbg_context drbg;
  mbedtls_x509_crt ca;
  mbedtls_ssl_config conf;
  mbedtls_ssl_context ssl;  // set up per connection, freed when it closes
  bool ssl_active = false;

  Tls() {
    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&drbg);
    mbedtls_x509_crt_init(&ca);
    mbedtls_ssl_config_init(&conf);
    mbedtls_ssl_init(&ssl);
  }
  ~Tls() {
    mbedtls_ssl_free(&ssl);
    mbedtls_ssl_config_free(&conf);
    mbedtls_x509_crt_free(&ca);
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&entropy);
  }
  Tls(const Tls&) = delete;
  Tls& operator=(const Tls&) = delete;
};

// The C callbacks mbedTLS calls with the client as context.
struct HttpsClientCallbacks {
  static int Send(void* ctx, const unsigned char* buf, size_t len) {
    auto* self = static_cast<HttpsClient*>(ctx);
    for (;;) {
      ssize_t n = ::send(self->fd_, buf, len, MSG_NOSIGNAL);
      if (n >= 0) return static_cast<int>(n);
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return MBEDTLS_ERR_SSL_WANT_WRITE;
      self->sock_errno_ = errno;
      return errno == EPIPE || errno == ECONNRESET ? MBEDTLS_ERR_NET_CONN_RESET
                                                   : MBEDTLS_ERR_NET_SEND_FAILED;
    }
  }

  static int Recv(void* ctx, unsigned char* buf, size_t len) {
    auto* self = static_cast<HttpsClient*>(ctx);
    for (;;) {
      ssize_t n = ::recv(self->fd_, buf, len, 0);
      if (n >= 0) return static_cast<int>(n);
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return MBEDTLS_ERR_SSL_WANT_READ;
      self->sock_errno_ = errno;
      return errno == ECONNRESET ? MBEDTLS_ERR_NET_CONN_RESET : MBEDTLS_ERR_NET_RECV_FAILED;
    }
  }

  // Called for every certificate of the chain; depth 0 is the server's own. Adds the
  // iPAddress check mbedTLS lacks; mbedTLS checks DNS names itself.
  static int Verify(void* ctx, mbedtls_x509_crt* crt, int depth, uint32_t* flags) {
    auto* self = static_cast<HttpsClient*>(ctx);
    if (depth == 0 && !self->ip_bytes_.empty() && !CertificateNamesIp(*crt, self->ip_bytes_)) {
      *flags |= MBEDTLS_X509_BADCERT_CN_MISMATCH;
      self->ip_mismatch_ = true;
    }
    return 0;
  }
};

const std::string* HttpsResponse::Header(std::string_view lower_name) const {
  for (const HttpHeader& h : headers) {
    if (h.name == lower_name) return &h.value;
  }
  return nullptr;
}

HttpsClient::HttpsClient(HttpsClientOptions options, std::unique_ptr<Tls> tls)
    : options_(std::move(options)), tls_(std::move(tls)) {
  endpoint_ = fmt::format("{}:{}", options_.host, options_.port);
  authority_ = options_.port == 443 ? options_.host : endpoint_;
}

HttpsClient::~HttpsClient() { Disconnect(/*graceful=*/true); }

Result<HttpsClientPtr> HttpsClient::Create(HttpsClientOptions options) {
  const std::string& host = options.host;
  if (host.empty()) return InvalidArgument("https client: host is empty");
  if (options.port == 0) return InvalidArgument("https client: port is 0");
  if (options.timeout_ms == 0) return InvalidArgument("https client: timeout_ms is 0");
  std::string connect_host = host;
  std::string ip_bytes;
  if (host.front() == '[') {
    in6_addr v6{};
    connect_host = host.substr(1, host.size() - 2);
    if (host.back() != ']' || inet_pton(AF_INET6, connect_host.c_str(), &v6) != 1) {
      return InvalidArgument(fmt::format("https client: {} is not an IPv6 literal", host));
    }
    ip_bytes.assign(reinterpret_cast<const char*>(&v6), sizeof(v6));
  } else if (in_addr v4{}; inet_pton(AF_INET, host.c_str(), &v4) == 1) {
    ip_bytes.assign(reinterpret_cast<const char*>(&v4), sizeof(v4));
  } else if (host.find_first_of(":[]") != std::string::npos || host.size() > 253) {
    return InvalidArgument(fmt::format("https client: malformed host {}", host));
  }

  auto tls = std::make_unique<Tls>();
  Result<std::string> pem = ReadFile(options.ca_file);
  if (!pem.ok()) return InvalidArgument(fmt::format("CA file: {}", pem.error().message()));
  if (pem->size() > kMaxCaFileBytes) {
    return InvalidArgument(
        fmt::format("CA file {} is over {} bytes", options.ca_file, kMaxCaFileBytes));
  }
  if (pem->find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
    return InvalidArgument(fmt::format("CA file {} holds no PEM certificate", options.ca_file));
  }
  // The PEM parser needs the terminating NUL counted in the length.
  int rc = mbedtls_x509_crt_parse(&tls->ca, reinterpret_cast<const unsigned char*>(pem->c_str()),
                                  pem->size() + 1);
  if (rc < 0) {
    return InvalidArgument(fmt::format("CA file {}: {}", options.ca_file, MbedtlsError(rc)));
  }
  if (rc > 0) {
    return InvalidArgument(
        fmt::format("CA file {}: {} certificate(s) could not be parsed", options.ca_file, rc));
  }

  static constexpr std::string_view kPersonalization = "lm-agent https client";
  rc = mbedtls_ctr_drbg_seed(&tls->drbg, mbedtls_entropy_func, &tls->entropy,
                             reinterpret_cast<const unsigned char*>(kPersonalization.data()),
                             kPersonalization.size());
  if (rc != 0)
    return Internal(fmt::format("seeding the TLS random generator: {}", MbedtlsError(rc)));
  rc = mbedtls_ssl_config_defaults(&tls->conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                   MBEDTLS_SSL_PRESET_DEFAULT);
  if (rc != 0) return Internal(fmt::format("TLS configuration: {}", MbedtlsError(rc)));
  mbedtls_ssl_conf_authmode(&tls->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
  mbedtls_ssl_conf_ca_chain(&tls->conf, &tls->ca, nullptr);
  mbedtls_ssl_conf_rng(&tls->conf, mbedtls_ctr_drbg_random, &tls->drbg);
  mbedtls_ssl_conf_min_version(&tls->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
                               MBEDTLS_SSL_MINOR_VERSION_3);

  auto client = HttpsClientPtr(new HttpsClient(std::move(options), std::move(tls)));
  client->connect_host_ = std::move(connect_host);
  client->ip_bytes_ = std::move(ip_bytes);
  return client;
}

Result<HttpsResponse> HttpsClient::Request(std::string_view method, std::string_view target,
                                           const std::vector<HttpHeader>& headers,
                                           std::string_view body) {
  if (!IsToken(method)) return InvalidArgument("https client: method is not a token");
  if (target.empty() || target.front() != '/' ||
      !std::all_of(target.begin(), target.end(), [](char c) { return c > 0x20 && c < 0x7f; })) {
    return InvalidArgument("https client: request target is not an origin-form path");
  }
  std::string head = fmt::format("{} {} HTTP/1.1\r\nHost: {}\r\n", method, target, authority_);
  for (const HttpHeader& h : headers) {
    if (!IsToken(h.name)) return InvalidArgument("https client: a header name is not a token");
    if (EqualsIgnoreCase(h.name, "host") || EqualsIgnoreCase(h.name, "content-length") ||
        EqualsIgnoreCase(h.name, "transfer-encoding")) {
      return InvalidArgument(fmt::format("https client: header {} is set by the client", h.name));
    }
    // The value is never echoed: it may be a credential.
    if (!IsRequestFieldValue(h.value)) {
      return InvalidArgument(
          fmt::format("https client: the value of header {} is invalid", h.name));
    }
    head.append(h.name).append(": ").append(h.value).append("\r\n");
  }
  if (!body.empty() || (method != "GET" && method != "HEAD")) {
    head += fmt::format("Content-Length: {}\r\n", body.size());
  }
  head += "\r\n";
  if (body.size() <= kSmallBody) {
    head.append(body);
    body = {};
  }

  deadline_ = Clock::now() + std::chrono::milliseconds(options_.timeout_ms);
  if (options_.stop != nullptr && options_.stop->load()) {
    return Unavailable(fmt::format("{}: request abandoned: stop requested", endpoint_));
  }
  bool reused = fd_ >= 0 && reusable_ && IdleConnectionUsable();
  if (!reused) Disconnect(/*graceful=*/true);
  for (;;) {
    Result<HttpsResponse> response = Exchange(method == "HEAD", head, body);
    if (response.ok()) return response;
    Disconnect(/*graceful=*/false);
    // A kept connection the server closed while idle fails before any response byte:
    // send once more on a new connection.
    if (!reused || !retryable_) return response;
    reused = false;
  }
}

Result<HttpsResponse> HttpsClient::Exchange(bool head_request, std::string_view head,
                                            std::string_view body) {
  retryable_ = false;
  received_any_ = false;
  sock_errno_ = 0;
  if (fd_ < 0) LM_RETURN_IF_ERROR(Connect());
  bool early_response = false;
  LM_RETURN_IF_ERROR(WriteAll(head, &early_response));
  if (!early_response) LM_RETURN_IF_ERROR(WriteAll(body, &early_response));
  HttpsResponse response;
  LM_RETURN_IF_ERROR(ReadResponse(head_request, &response));
  if (early_response) reusable_ = false;  // the server did not read the whole request
  if (!reusable_) Disconnect(/*graceful=*/true);
  return response;
}

Status HttpsClient::Connect() {
  Disconnect(/*graceful=*/false);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_protocol = IPPROTO_TCP;
  hints.ai_flags = ip_bytes_.empty() ? 0 : AI_NUMERICHOST;
  addrinfo* list = nullptr;
  const std::string port = std::to_string(options_.port);
  int rc = ::getaddrinfo(connect_host_.c_str(), port.c_str(), &hints, &list);
  if (rc != 0) {
    return Unavailable(fmt::format("{}: cannot resolve {}: {}", endpoint_, connect_host_,
                                   rc == EAI_SYSTEM ? ErrnoText(errno) : gai_strerror(rc)));
  }
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> free_list(list, &freeaddrinfo);
  std::string errors;
  for (const addrinfo* ai = list; ai != nullptr; ai = ai->ai_next) {
    const std::string address = AddressText(ai->ai_addr);
    fd_ = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    int err = fd_ < 0 ? errno : 0;
    if (fd_ >= 0 && ::connect(fd_, ai->ai_addr, ai->ai_addrlen) != 0) {
      err = errno;
      if (err == EINPROGRESS || err == EINTR) {
        LM_RETURN_IF_ERROR(WaitFor(Wait::kWrite, fmt::format("connecting to {}", address)));
        socklen_t len = sizeof(err);
        if (::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
      }
    }
    if (err == 0) {
      int one = 1;
      ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
      return Handshake();
    }
    errors += fmt::format("{}{}: {}", errors.empty() ? "" : "; ", address, ErrnoText(err));
    Disconnect(/*graceful=*/false);
  }
  return Unavailable(fmt::format("{}: cannot connect: {}", endpoint_, errors));
}

Status HttpsClient::Handshake() {
  Tls& t = *tls_;
  t.ssl_active = true;
  int rc = mbedtls_ssl_setup(&t.ssl, &t.conf);
  // No host name for IP literals: it would be sent as SNI and matched against dNSName
  // entries; the Verify callback checks iPAddress entries instead.
  if (rc == 0) {
    rc = mbedtls_ssl_set_hostname(&t.ssl, ip_bytes_.empty() ? connect_host_.c_str() : nullptr);
  }
  if (rc != 0) return Unavailable(fmt::format("{}: TLS setup: {}", endpoint_, MbedtlsError(rc)));
  mbedtls_ssl_set_bio(&t.ssl, this, &HttpsClientCallbacks::Send, &HttpsClientCallbacks::Recv,
                      nullptr);
  mbedtls_ssl_set_verify(&t.ssl, &HttpsClientCallbacks::Verify, this);
  ip_mismatch_ = false;
  for (;;) {
    rc = mbedtls_ssl_handshake(&t.ssl);
    if (rc == 0) break;
    if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) {
      LM_RETURN_IF_ERROR(WaitFor(rc == MBEDTLS_ERR_SSL_WANT_READ ? Wait::kRead : Wait::kWrite,
                                 "in the TLS handshake"));
      continue;
    }
    if (rc != MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) return TransportError("TLS handshake", rc);
    uint32_t flags = mbedtls_ssl_get_verify_result(&t.ssl);
    std::string detail;
    if (ip_mismatch_) {
      detail = fmt::format("the certificate has no subjectAltName iPAddress entry for {}",
                           options_.host);
      flags &= ~static_cast<uint32_t>(MBEDTLS_X509_BADCERT_CN_MISMATCH);
    }
    if (flags != 0) {
      char info[512];
      mbedtls_x509_crt_verify_info(info, sizeof(info), "", flags);
      std::string text = info;
      std::replace(text.begin(), text.end(), '\n', ';');
      while (!text.empty() && (text.back() == ';' || text.back() == ' ')) text.pop_back();
      if ((flags & MBEDTLS_X509_BADCERT_CN_MISMATCH) != 0) {
        text += fmt::format(" (expected host name {})", connect_host_);
      }
      detail += (detail.empty() ? "" : "; ") + text;
    }
    return Unavailable(fmt::format("{}: TLS certificate verification failed: {} [{}]", endpoint_,
                                   detail, MbedtlsError(rc)));
  }
  established_ = true;
  return Status::Ok();
}

void HttpsClient::Disconnect(bool graceful) {
  Tls& t = *tls_;
  if (t.ssl_active) {
    // One non-blocking attempt; a full socket buffer just drops the alert.
    if (graceful && established_ && fd_ >= 0) mbedtls_ssl_close_notify(&t.ssl);
    mbedtls_ssl_free(&t.ssl);
    mbedtls_ssl_init(&t.ssl);
    t.ssl_active = false;
  }
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  established_ = false;
  reusable_ = false;
  rbuf_.clear();
  rpos_ = 0;
  eof_ = false;
}

bool HttpsClient::IdleConnectionUsable() {
  // An idle kept connection reads as ready only when the server closed it (or sent
  // something unsolicited); either way it cannot carry the next request.
  pollfd pfd{fd_, POLLIN, 0};
  return ::poll(&pfd, 1, 0) == 0 && mbedtls_ssl_check_pending(&tls_->ssl) == 0 &&
         mbedtls_ssl_get_bytes_avail(&tls_->ssl) == 0;
}

Status HttpsClient::WaitFor(Wait what, std::string_view phase) {
  for (;;) {
    if (options_.stop != nullptr && options_.stop->load()) {
      return Unavailable(
          fmt::format("{}: request abandoned ({}): stop requested", endpoint_, phase));
    }
    const Clock::time_point now = Clock::now();
    if (now >= deadline_) {
      return Unavailable(
          fmt::format("{}: timed out after {} ms {}", endpoint_, options_.timeout_ms, phase));
    }
    auto slice = std::chrono::ceil<std::chrono::milliseconds>(
        std::min<Clock::duration>(deadline_ - now, kPollSlice));
    pollfd pfd{fd_, static_cast<short>(what == Wait::kRead ? POLLIN : POLLOUT), 0};
    int rc = ::poll(&pfd, 1, static_cast<int>(slice.count()));
    if (rc > 0) return Status::Ok();  // including errors: the next send/recv reports them
    if (rc < 0 && errno != EINTR) {
      return Unavailable(fmt::format("{}: poll: {}", endpoint_, ErrnoText(errno)));
    }
  }
}

Status HttpsClient::WriteAll(std::string_view data, bool* early_response) {
  while (!data.empty()) {
    // Checked between records only, so that no partly written record is abandoned.
    pollfd pfd{fd_, POLLIN, 0};
    if (::poll(&pfd, 1, 0) > 0) {
      *early_response = true;
      return Status::Ok();
    }
    int rc = mbedtls_ssl_write(&tls_->ssl, reinterpret_cast<const unsigned char*>(data.data()),
                               data.size());
    while (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) {
      LM_RETURN_IF_ERROR(WaitFor(rc == MBEDTLS_ERR_SSL_WANT_READ ? Wait::kRead : Wait::kWrite,
                                 "sending the request"));
      rc = mbedtls_ssl_write(&tls_->ssl, reinterpret_cast<const unsigned char*>(data.data()),
                             data.size());
    }
    if (rc < 0) return TransportError("sending the request", rc);
    data.remove_prefix(static_cast<size_t>(rc));
  }
  return Status::Ok();
}

Status HttpsClient::Fill(std::string_view phase) {
  if (rpos_ == rbuf_.size()) {
    rbuf_.clear();
    rpos_ = 0;
  }
  const size_t old_size = rbuf_.size();
  rbuf_.resize(old_size + kReadChunk);
  for (;;) {
    int rc = mbedtls_ssl_read(&tls_->ssl, reinterpret_cast<unsigned char*>(&rbuf_[old_size]),
                              kReadChunk);
    if (rc > 0) {
      rbuf_.resize(old_size + static_cast<size_t>(rc));
      received_any_ = true;
      return Status::Ok();
    }
    if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) {
      Status s = WaitFor(rc == MBEDTLS_ERR_SSL_WANT_READ ? Wait::kRead : Wait::kWrite, phase);
      if (s.ok()) continue;
      rbuf_.resize(old_size);
      return s;
    }
    rbuf_.resize(old_size);
    if (rc == 0 || rc == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) {
      eof_ = true;
      return Status::Ok();
    }
    return TransportError(phase, rc);
  }
}

Status HttpsClient::ReadLine(std::string* line, size_t max_bytes, std::string_view too_long) {
  size_t scanned = 0;  // unread bytes already searched for the newline
  for (;;) {
    size_t newline = rbuf_.find('\n', rpos_ + scanned);
    if (newline != std::string::npos) {
      if (newline - rpos_ > max_bytes) return Malformed(too_long);
      line->assign(rbuf_, rpos_, newline - rpos_);
      rpos_ = newline + 1;
      if (!line->empty() && line->back() == '\r') line->pop_back();
      return Status::Ok();
    }
    scanned = rbuf_.size() - rpos_;
    if (scanned > max_bytes) return Malformed(too_long);
    if (eof_) return Closed();
    LM_RETURN_IF_ERROR(Fill(kResponsePhase));
  }
}

Status HttpsClient::ReadBody(size_t n, std::string* body) {
  while (n > 0) {
    if (rpos_ == rbuf_.size()) {
      if (eof_) return Closed();
      LM_RETURN_IF_ERROR(Fill("reading the response body"));
      continue;
    }
    size_t take = std::min(n, rbuf_.size() - rpos_);
    body->append(rbuf_, rpos_, take);
    rpos_ += take;
    n -= take;
  }
  return Status::Ok();
}

Status HttpsClient::ReadHead(HttpsResponse* response, size_t* header_bytes, bool* http10) {
  constexpr std::string_view kTooLong = "header section over 64 KiB";
  std::string line;
  LM_RETURN_IF_ERROR(ReadLine(&line, kMaxHeaderBytes - *header_bytes, kTooLong));
  *header_bytes += line.size() + 2;
  // status-line = HTTP-version SP 3DIGIT SP [ reason-phrase ]
  auto digit = [&](size_t i) { return line[i] >= '0' && line[i] <= '9'; };
  if (line.size() < 12 || line.compare(0, 7, "HTTP/1.") != 0 || !digit(7) || line[8] != ' ' ||
      !digit(9) || !digit(10) || !digit(11) || (line.size() > 12 && line[12] != ' ') ||
      line[9] == '0') {
    return Malformed(fmt::format("status line {}", Excerpt(line)));
  }
  *http10 = line[7] == '0';
  response->status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
  response->headers.clear();
  for (;;) {
    if (*header_bytes > kMaxHeaderBytes) return Malformed(kTooLong);
    LM_RETURN_IF_ERROR(ReadLine(&line, kMaxHeaderBytes - *header_bytes, kTooLong));
    *header_bytes += line.size() + 2;
    if (line.empty()) return Status::Ok();
    if (response->headers.size() == kMaxHeaderLines) {
      return Malformed(fmt::format("more than {} header lines", kMaxHeaderLines));
    }
    size_t colon = line.find(':');
    std::string_view name = std::string_view(line).substr(0, colon);
    // Folded lines (leading whitespace), bare CR and NUL are refused, not repaired.
    if (colon == std::string::npos || !IsToken(name) ||
        line.find_first_of(std::string_view("\r\0", 2)) != std::string::npos) {
      return Malformed(fmt::format("header line {}", Excerpt(line)));
    }
    response->headers.push_back(
        {ToLower(name), std::string(Trim(std::string_view(line).substr(colon + 1)))});
  }
}

Status HttpsClient::ReadChunked(std::string* body, size_t* header_bytes) {
  std::string line;
  for (;;) {
    // chunk = chunk-size [ chunk-ext ] CRLF chunk-data CRLF; extensions are ignored.
    LM_RETURN_IF_ERROR(ReadLine(&line, kMaxChunkLineBytes, "chunk size line over 1 KiB"));
    uint64_t size = 0;
    size_t i = 0;
    for (; i < line.size() && std::isxdigit(static_cast<unsigned char>(line[i])); ++i) {
      if (i == 15) return Malformed("chunk size over 15 hex digits");
      const char c = Lower(line[i]);
      size = size * 16 + static_cast<uint64_t>(c <= '9' ? c - '0' : c - 'a' + 10);
    }
    if (i == 0 || (i < line.size() && line[i] != ';' && line[i] != ' ' && line[i] != '\t')) {
      return Malformed(fmt::format("chunk size line {}", Excerpt(line)));
    }
    if (size == 0) break;
    if (size > options_.max_body_bytes - body->size()) return BodyTooLarge();
    LM_RETURN_IF_ERROR(ReadBody(static_cast<size_t>(size), body));
    LM_RETURN_IF_ERROR(ReadLine(&line, 1, "chunk data longer than its size"));
    if (!line.empty()) return Malformed("chunk data longer than its size");
  }
  // The trailer section counts against the header limit; its fields are not used.
  constexpr std::string_view kTooLong = "header section over 64 KiB";
  do {
    if (*header_bytes > kMaxHeaderBytes) return Malformed(kTooLong);
    LM_RETURN_IF_ERROR(ReadLine(&line, kMaxHeaderBytes - *header_bytes, kTooLong));
    *header_bytes += line.size() + 2;
  } while (!line.empty());
  return Status::Ok();
}

Status HttpsClient::ReadResponse(bool head_request, HttpsResponse* response) {
  size_t header_bytes = 0;
  bool http10 = false;
  // Interim 1xx responses precede the final one; they share the header limit.
  do {
    LM_RETURN_IF_ERROR(ReadHead(response, &header_bytes, &http10));
    if (response->status == 101) return Malformed("unexpected 101 Switching Protocols");
  } while (response->status < 200);

  bool close = false;
  bool keep_alive = false;
  std::vector<std::string> codings;
  std::optional<uint64_t> content_length;
  for (const HttpHeader& h : response->headers) {
    if (h.name == "connection") {
      for (std::string_view option : ListElements(h.value)) {
        close = close || EqualsIgnoreCase(option, "close");
        keep_alive = keep_alive || EqualsIgnoreCase(option, "keep-alive");
      }
    } else if (h.name == "transfer-encoding") {
      for (std::string_view coding : ListElements(h.value)) codings.push_back(ToLower(coding));
    } else if (h.name == "content-length") {
      for (std::string_view element : ListElements(h.value)) {
        std::optional<uint64_t> n = ParseDecimal(element);
        if (!n || (content_length && *content_length != *n)) {
          return Malformed(fmt::format("Content-Length {}", Excerpt(h.value)));
        }
        content_length = n;
      }
    }
  }
  reusable_ = http10 ? keep_alive && !close : !close;
  if (head_request || response->status == 204 || response->status == 304) {
    // No body whatever the framing headers say.
  } else if (!codings.empty()) {
    if (codings.size() != 1 || codings[0] != "chunked") {
      return Unavailable(fmt::format("{}: unsupported Transfer-Encoding {}", endpoint_,
                                     Excerpt(*response->Header("transfer-encoding"))));
    }
    if (content_length) reusable_ = false;  // conflicting framing: do not trust what follows
    LM_RETURN_IF_ERROR(ReadChunked(&response->body, &header_bytes));
  } else if (content_length) {
    if (*content_length > options_.max_body_bytes) return BodyTooLarge();
    LM_RETURN_IF_ERROR(ReadBody(static_cast<size_t>(*content_length), &response->body));
  } else {
    reusable_ = false;  // the body ends when the server closes the connection
    for (;;) {
      size_t available = rbuf_.size() - rpos_;
      if (available > options_.max_body_bytes - response->body.size()) return BodyTooLarge();
      response->body.append(rbuf_, rpos_, available);
      rpos_ = rbuf_.size();
      if (eof_) break;
      LM_RETURN_IF_ERROR(Fill("reading the response body"));
    }
  }
  // Bytes beyond the response were not asked for (no pipelining): do not reuse.
  if (eof_ || rpos_ != rbuf_.size()) reusable_ = false;
  return Status::Ok();
}

Status HttpsClient::TransportError(std::string_view phase, int mbedtls_error) {
  retryable_ = !received_any_;
  std::string detail = MbedtlsError(mbedtls_error);
  if (sock_errno_ != 0) detail += fmt::format(": {}", ErrnoText(sock_errno_));
  return Unavailable(fmt::format("{}: {}: {}", endpoint_, phase, detail));
}

Status HttpsClient::Closed() {
  retryable_ = !received_any_;
  return Unavailable(
      fmt::format("{}: the server closed the connection {}", endpoint_,
                  received_any_ ? "in the middle of the response" : "without responding"));
}

Status HttpsClient::Malformed(std::string_view what) const {
  return Unavailable(fmt::format("{}: malformed HTTP response: {}", endpoint_, what));
}

Status HttpsClient::BodyTooLarge() const {
  return FailedPrecondition(
      fmt::format("{}: response body over {} bytes", endpoint_, options_.max_body_bytes));
}

}  // namespace lm::agent
