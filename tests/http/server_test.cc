#include "http/server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include "tests/common/http_client.h"
#include "tests/common/temp_dir.h"
#include "tests/common/tls_fixture.h"

namespace lm::http {
namespace {

using lm::testing::HttpDo;
using lm::testing::HttpRequest;

Handler Echo() {
  return [](Request&& req, Responder respond) {
    Response r;
    r.content_type = "text/plain";
    r.body = req.method + " " + req.path + " " + req.query + " " + req.body;
    // Answer from another thread, as handlers with blocking work do.
    std::thread([r, respond]() mutable { respond(std::move(r)); }).detach();
  };
}

TEST(ServerTest, PlainHttpKeepAliveAndLimits) {
  ServerOptions opt;
  opt.listen = "127.0.0.1:0";
  opt.max_body_bytes = 64;
  auto s = CreateServer(opt, Echo());
  ASSERT_TRUE(s.ok()) << s.error().ToString();
  (*s)->Start();
  std::string base = "http://127.0.0.1:" + std::to_string((*s)->port());
  auto r = HttpDo({.url = base + "/x?y=1"});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "GET /x y=1 ");
  auto p = HttpDo({.method = "POST", .url = base + "/post", .body = "hello"});
  EXPECT_EQ(p.body, "POST /post  hello");
  auto big = HttpDo({.method = "POST", .url = base + "/post", .body = std::string(65, 'x')});
  EXPECT_EQ(big.status, 413);
  (*s)->Stop();
}

TEST(ServerTest, HeaderCheckRejectsBeforeBody) {
  ServerOptions opt;
  opt.listen = "127.0.0.1:0";
  auto s = CreateServer(opt, Echo(), [](const Request& head, Response* reject) {
    if (head.Header("authorization") != "Bearer ok") {
      *reject = JsonError(401, "unauthorized", "missing token");
      return true;
    }
    return false;
  });
  ASSERT_TRUE(s.ok());
  (*s)->Start();
  std::string url = "http://127.0.0.1:" + std::to_string((*s)->port()) + "/";
  EXPECT_EQ(HttpDo({.url = url}).status, 401);
  EXPECT_EQ(HttpDo({.url = url, .headers = {"Authorization: Bearer ok"}}).status, 200);
  // A refused client still sending a large body must read the answer, not a reset.
  for (int i = 0; i < 5; ++i) {
    auto big = HttpDo({.method = "POST", .url = url, .body = std::string(4 << 20, 'x')});
    EXPECT_EQ(big.status, 401) << big.error;
  }
}

TEST(ServerTest, TlsServes) {
  TempDir dir;
  lm::testing::TlsFiles tls;
  ASSERT_TRUE(lm::testing::MakeTlsFiles(dir.Path("tls"), &tls));
  ServerOptions opt;
  opt.listen = "127.0.0.1:0";
  opt.tls = TlsOptions{tls.server_cert, tls.server_key};
  auto s = CreateServer(opt, Echo());
  ASSERT_TRUE(s.ok()) << s.error().ToString();
  (*s)->Start();
  std::string url = "https://127.0.0.1:" + std::to_string((*s)->port()) + "/tls";
  auto r = HttpDo({.url = url, .ca_file = tls.ca_cert});
  EXPECT_EQ(r.status, 200) << r.error;
  EXPECT_EQ(r.body, "GET /tls  ");
  auto untrusted = HttpDo({.url = url});
  EXPECT_EQ(untrusted.status, 0) << "a client without the CA must not connect";
}

TEST(ServerTest, BadTlsFilesAndAddressesAreErrors) {
  ServerOptions opt;
  opt.listen = "127.0.0.1:0";
  opt.tls = TlsOptions{"/nonexistent.crt", "/nonexistent.key"};
  auto s = CreateServer(opt, Echo());
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message().find("certificate"), std::string::npos);
  ServerOptions bad;
  bad.listen = "nonsense";
  EXPECT_FALSE(CreateServer(bad, Echo()).ok());
}

}  // namespace
}  // namespace lm::http

namespace lm::http {
namespace {

// A producer thread appends "a", "b", "c", ... every 20 ms, then ends; counts cancels.
class CountingStream : public BodyStream {
 public:
  explicit CountingStream(int chunks) : chunks_(chunks) {
    producer_ = std::thread([this] {
      for (int i = 0; i < chunks_; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        std::lock_guard lock(mu_);
        if (cancelled_) return;
        pending_ += static_cast<char>('a' + i % 26);
      }
      std::lock_guard lock(mu_);
      done_ = true;
    });
  }
  ~CountingStream() override {
    {
      std::lock_guard lock(mu_);
      cancelled_ = true;
    }
    producer_.join();
  }
  std::string Poll(bool* last) override {
    std::lock_guard lock(mu_);
    *last = done_;
    return std::exchange(pending_, "");
  }
  void Cancel() override {
    std::lock_guard lock(mu_);
    cancelled_ = true;
    cancels_++;
  }
  int cancels() {
    std::lock_guard lock(mu_);
    return cancels_;
  }

 private:
  int chunks_;
  std::mutex mu_;
  std::string pending_;
  bool done_ = false;
  bool cancelled_ = false;
  int cancels_ = 0;
  std::thread producer_;
};

bool WaitForCancels(CountingStream& s, int n) {
  for (int i = 0; i < 200 && s.cancels() != n; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return s.cancels() == n;
}

TEST(ServerTest, StreamedBodiesArriveChunkByChunkAndAreCancelledOnce) {
  auto stream = std::make_shared<CountingStream>(3);
  ServerOptions opt;
  opt.listen = "127.0.0.1:0";
  auto s = CreateServer(opt, [stream](Request&&, Responder respond) {
    Response r;
    r.content_type = "text/event-stream";
    r.stream = stream;
    respond(std::move(r));
  });
  ASSERT_TRUE(s.ok());
  (*s)->Start();
  auto r = HttpDo({.url = "http://127.0.0.1:" + std::to_string((*s)->port()) + "/events"});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "abc");
  EXPECT_EQ(r.Header("content-type"), "text/event-stream");
  EXPECT_TRUE(WaitForCancels(*stream, 1));
  (*s)->Stop();
}

TEST(ServerTest, StoppingTheServerCancelsAnEndlessStream) {
  auto stream = std::make_shared<CountingStream>(1000);
  ServerOptions opt;
  opt.listen = "127.0.0.1:0";
  auto s = CreateServer(opt, [stream](Request&&, Responder respond) {
    Response r;
    r.stream = stream;
    respond(std::move(r));
  });
  ASSERT_TRUE(s.ok());
  (*s)->Start();
  std::thread client([&] {
    HttpDo({.url = "http://127.0.0.1:" + std::to_string((*s)->port()) + "/events",
            .timeout_ms = 2000});
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  (*s)->Stop();
  s->reset();  // destroys the pending stream coroutine
  client.join();
  EXPECT_TRUE(WaitForCancels(*stream, 1));
}

}  // namespace
}  // namespace lm::http
