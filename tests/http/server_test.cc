#include "http/server.h"

#include <gtest/gtest.h>

#include <thread>

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
