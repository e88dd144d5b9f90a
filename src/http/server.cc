#include "http/server.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <limits>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include "common/logging.h"

#include "http/asio.h"
#include "http/listen_address.h"

namespace lm::http {
namespace {

namespace asio = boost::asio;
constexpr size_t kMaxLingerBytes = 64 << 20;
// How often a streamed body with nothing to send is polled.
constexpr auto kStreamPollInterval = std::chrono::milliseconds(20);
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

// Awaits handler(request, responder) by turning the responder call into a completion.
template <typename Token>
auto AsyncServe(const Handler& handler, Request&& request, Token&& token) {
  return asio::async_initiate<Token, void(Response)>(
      [&handler](auto completion, Request&& req) {
        using C = decltype(completion);
        auto work = asio::make_work_guard(asio::get_associated_executor(completion));
        auto shared =
            std::make_shared<std::pair<C, decltype(work)>>(std::move(completion), std::move(work));
        auto called = std::make_shared<std::atomic<bool>>(false);
        handler(std::move(req), [shared, called](Response r) {
          if (called->exchange(true)) return;  // a second call is a handler bug; ignore it
          auto ex = shared->second.get_executor();
          asio::post(ex, [shared, r = std::move(r)]() mutable {
            shared->first(std::move(r));
            shared->second.reset();
          });
        });
      },
      token, std::move(request));
}

// `r`'s body is moved out.
bhttp::response<bhttp::string_body> ToBeast(Response& r, unsigned version, bool keep_alive) {
  bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(r.status), version};
  res.set(bhttp::field::server, "lightmetrics");
  if (!r.content_type.empty()) res.set(bhttp::field::content_type, r.content_type);
  for (const auto& [k, v] : r.headers) res.set(k, v);
  res.keep_alive(keep_alive);
  res.body() = std::move(r.body);
  res.prepare_payload();
  return res;
}

Request FromBeastHead(const bhttp::request_parser<bhttp::string_body>& parser,
                      const std::string& remote) {
  const auto& msg = parser.get();
  Request req;
  req.method = std::string(msg.method_string());
  req.target = std::string(msg.target());
  auto q = req.target.find('?');
  req.path = req.target.substr(0, q);
  if (q != std::string::npos) req.query = req.target.substr(q + 1);
  for (const auto& f : msg) {
    std::string name(f.name_string());
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    req.headers.emplace_back(std::move(name), std::string(f.value()));
  }
  req.remote_address = remote;
  return req;
}

class ServerImpl : public Server {
 public:
  ServerImpl(ServerOptions options, Handler handler, HeaderCheck check)
      : options_(std::move(options)),
        handler_(std::move(handler)),
        check_(std::move(check)),
        ssl_ctx_(asio::ssl::context::tls_server),
        acceptor_(ioc_) {}

  ~ServerImpl() override { Stop(); }

  Status Init() {
    auto addr = ParseListenAddress(options_.listen);
    if (!addr.ok()) return addr.error();
    if (options_.tls) {
      boost::system::error_code ec;
      ssl_ctx_.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                               asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                               asio::ssl::context::no_tlsv1_1,
                           ec);
      ssl_ctx_.use_certificate_chain_file(options_.tls->cert_file, ec);
      if (ec) {
        return InvalidArgument(fmt::format("{}: TLS certificate {}: {}", options_.name,
                                           options_.tls->cert_file, ec.message()));
      }
      ssl_ctx_.use_private_key_file(options_.tls->key_file, asio::ssl::context::pem, ec);
      if (ec) {
        return InvalidArgument(fmt::format("{}: TLS private key {}: {}", options_.name,
                                           options_.tls->key_file, ec.message()));
      }
    }
    boost::system::error_code ec;
    tcp::resolver resolver(ioc_);
    auto results = resolver.resolve(addr->host, std::to_string(addr->port), ec);
    if (ec || results.empty()) {
      return InvalidArgument(
          fmt::format("{}: cannot resolve listen host '{}'", options_.name, addr->host));
    }
    tcp::endpoint ep = results.begin()->endpoint();
    acceptor_.open(ep.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(ep, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return IoError(
          fmt::format("{}: cannot listen on {}: {}", options_.name, options_.listen, ec.message()));
    }
    port_ = acceptor_.local_endpoint().port();
    return Status::Ok();
  }

  uint16_t port() const override { return port_; }

  void Start() override {
    asio::co_spawn(ioc_, Accept(), asio::detached);
    for (int i = 0; i < std::max(1, options_.threads); ++i) {
      threads_.emplace_back([this] { ioc_.run(); });
    }
    lm::log::Info("{} listening on {}:{} ({})", options_.name,
                  acceptor_.local_endpoint().address().to_string(), port_,
                  options_.tls ? "https" : "http");
  }

  void Stop() override {
    if (stopped_.exchange(true)) return;
    asio::post(ioc_, [this] {
      boost::system::error_code ec;
      acceptor_.close(ec);
    });
    ioc_.stop();
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
    threads_.clear();
  }

 private:
  asio::awaitable<void> Accept() {
    for (;;) {
      boost::system::error_code ec;
      tcp::socket socket =
          co_await acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        if (ec == asio::error::operation_aborted || !acceptor_.is_open()) co_return;
        lm::log::Warn("{}: accept failed: {}", options_.name, ec.message());
        continue;
      }
      std::string remote;
      boost::system::error_code rec;
      auto rep = socket.remote_endpoint(rec);
      if (!rec) remote = fmt::format("{}:{}", rep.address().to_string(), rep.port());
      if (options_.tls) {
        asio::co_spawn(ioc_,
                       TlsSession(beast::ssl_stream<beast::tcp_stream>(std::move(socket), ssl_ctx_),
                                  std::move(remote)),
                       asio::detached);
      } else {
        asio::co_spawn(ioc_, Session(beast::tcp_stream(std::move(socket)), std::move(remote)),
                       asio::detached);
      }
    }
  }

  asio::awaitable<void> TlsSession(beast::ssl_stream<beast::tcp_stream> stream,
                                   std::string remote) {
    boost::system::error_code ec;
    beast::get_lowest_layer(stream).expires_after(
        std::chrono::milliseconds(options_.request_timeout_ms));
    co_await stream.async_handshake(asio::ssl::stream_base::server,
                                    asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      lm::log::Debug("{}: TLS handshake with {} failed: {}", options_.name, remote, ec.message());
      co_return;
    }
    if (co_await Serve(stream, remote)) {
      co_await Linger(beast::get_lowest_layer(stream));
      co_return;
    }
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(2));
    co_await stream.async_shutdown(asio::redirect_error(asio::use_awaitable, ec));
  }

  asio::awaitable<void> Session(beast::tcp_stream stream, std::string remote) {
    if (co_await Serve(stream, remote)) {
      co_await Linger(stream);
      co_return;
    }
    boost::system::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  // Closes a connection whose client may still be sending a request body we refused: stop
  // sending, then read and discard for a bounded time and volume, so that the client reads
  // our response instead of a connection reset (TCP resets when unread data is pending).
  asio::awaitable<void> Linger(beast::tcp_stream& stream) {
    boost::system::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream.expires_after(std::chrono::seconds(2));
    std::vector<char> sink(64 * 1024);
    size_t discarded = 0;
    while (!ec && discarded < kMaxLingerBytes) {
      discarded += co_await stream.async_read_some(asio::buffer(sink),
                                                   asio::redirect_error(asio::use_awaitable, ec));
    }
  }

  Response TooLarge() const {
    return JsonError(
        413, "bad_data",
        fmt::format("request body exceeds the limit of {} bytes", options_.max_body_bytes));
  }

  template <typename Stream>
  asio::awaitable<void> Write(Stream& stream, Response r, unsigned version, bool keep,
                              boost::system::error_code& ec) {
    auto res = ToBeast(r, version, keep);
    beast::get_lowest_layer(stream).expires_after(
        std::chrono::milliseconds(options_.request_timeout_ms));
    co_await bhttp::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
  }

  // Writes a streamed body: the head with chunked encoding, then every chunk the stream
  // delivers as soon as it arrives, until the stream ends, a write fails or the server
  // stops. The stream is cancelled in every case.
  template <typename Stream>
  asio::awaitable<void> WriteStream(Stream& stream, const Response& r, unsigned version) {
    bhttp::response<bhttp::empty_body> head{static_cast<bhttp::status>(r.status), version};
    head.set(bhttp::field::server, "lightmetrics");
    if (!r.content_type.empty()) head.set(bhttp::field::content_type, r.content_type);
    for (const auto& [k, v] : r.headers) head.set(k, v);
    head.keep_alive(false);
    head.chunked(true);
    bhttp::response_serializer<bhttp::empty_body> sr{head};
    boost::system::error_code ec;
    beast::get_lowest_layer(stream).expires_after(
        std::chrono::milliseconds(options_.request_timeout_ms));
    co_await bhttp::async_write_header(stream, sr, asio::redirect_error(asio::use_awaitable, ec));
    struct Canceller {
      BodyStream* s;
      ~Canceller() { s->Cancel(); }
    } cancel{r.stream.get()};
    asio::steady_timer idle(co_await asio::this_coro::executor);
    while (!ec && !stopped_.load()) {
      bool last = false;
      std::string chunk = r.stream->Poll(&last);
      if (chunk.empty() && !last) {
        idle.expires_after(kStreamPollInterval);
        co_await idle.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        ec = {};
        continue;
      }
      beast::get_lowest_layer(stream).expires_after(
          std::chrono::milliseconds(options_.request_timeout_ms));
      if (!chunk.empty()) {
        co_await asio::async_write(stream, bhttp::make_chunk(asio::buffer(chunk)),
                                   asio::redirect_error(asio::use_awaitable, ec));
      }
      if (last && !ec) {
        co_await asio::async_write(stream, bhttp::make_chunk_last(),
                                   asio::redirect_error(asio::use_awaitable, ec));
        break;
      }
    }
  }

  // Serves requests until the connection should close. Returns true when a request was
  // answered without reading its body (the connection must then linger).
  template <typename Stream>
  asio::awaitable<bool> Serve(Stream& stream, const std::string& remote) {
    beast::flat_buffer buffer;
    for (;;) {
      boost::system::error_code ec;
      bhttp::request_parser<bhttp::string_body> parser;
      parser.header_limit(static_cast<uint32_t>(options_.max_header_bytes));
      // The body limit is applied after the header check, so that a refused client learns
      // why (e.g. 401) rather than that its body is too large.
      parser.body_limit(std::numeric_limits<std::uint64_t>::max());  // not boost::none: 1.74 bug
      beast::get_lowest_layer(stream).expires_after(
          std::chrono::milliseconds(options_.idle_timeout_ms));
      co_await bhttp::async_read_header(stream, buffer, parser,
                                        asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        if (ec == bhttp::error::header_limit) {
          co_await Write(stream, JsonError(431, "bad_data", "request header too large"), 11, false,
                         ec);
          co_return true;
        }
        if (ec == bhttp::error::body_limit) {
          co_await Write(stream, TooLarge(), 11, false, ec);
          co_return true;
        }
        if (ec != bhttp::error::end_of_stream && ec != asio::error::eof &&
            ec != beast::error::timeout && ec != asio::error::operation_aborted &&
            ec != asio::ssl::error::stream_truncated) {
          co_await Write(
              stream,
              JsonError(400, "bad_data", fmt::format("malformed HTTP request: {}", ec.message())),
              11, false, ec);
          co_return true;
        }
        co_return false;
      }
      unsigned version = parser.get().version();
      Request req = FromBeastHead(parser, remote);
      Response reject;
      if (check_ && check_(req, &reject)) {
        co_await Write(stream, reject, version, false, ec);
        co_return true;
      }
      if (auto len = parser.content_length(); len && *len > options_.max_body_bytes) {
        co_await Write(stream, TooLarge(), version, false, ec);
        co_return true;
      }
      parser.body_limit(options_.max_body_bytes);
      beast::get_lowest_layer(stream).expires_after(
          std::chrono::milliseconds(options_.request_timeout_ms));
      co_await bhttp::async_read(stream, buffer, parser,
                                 asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        if (ec != bhttp::error::body_limit) co_return false;
        co_await Write(stream, TooLarge(), version, false, ec);
        co_return true;
      }
      bool keep = parser.get().keep_alive();
      req.body = std::move(parser.get().body());
      Response res = co_await AsyncServe(handler_, std::move(req), asio::use_awaitable);
      if (res.stream) {
        co_await WriteStream(stream, res, version);
        co_return false;
      }
      co_await Write(stream, std::move(res), version, keep, ec);
      if (ec || !keep) co_return false;
    }
  }

  ServerOptions options_;
  Handler handler_;
  HeaderCheck check_;
  asio::io_context ioc_;
  asio::ssl::context ssl_ctx_;
  tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::vector<std::thread> threads_;
  std::atomic<bool> stopped_{false};
};

}  // namespace

Result<ServerPtr> CreateServer(ServerOptions options, Handler handler, HeaderCheck check) {
  auto server =
      std::make_unique<ServerImpl>(std::move(options), std::move(handler), std::move(check));
  LM_RETURN_IF_ERROR(server->Init());
  return ServerPtr(std::move(server));
}

}  // namespace lm::http
