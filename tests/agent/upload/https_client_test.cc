#include "agent/upload/https_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <thread>

#include "tests/agent/upload/test_tls_server.h"
#include "tests/common/temp_dir.h"
#include "tests/common/tls_fixture.h"

namespace lm::agent {
namespace {

using testing::PemCert;
using testing::RefusedPort;
using testing::ScriptedResponse;
using testing::SelfSignedCert;
using testing::SilentTcpServer;
using testing::TestTlsServer;
using testing::TestTlsServerOptions;
using Clock = std::chrono::steady_clock;

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

class HttpsClientTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(lm::testing::MakeTlsFiles(tmp_.Path("tls"), &tls_)); }

  HttpsClientPtr MakeClient(const std::string& host, int port, const std::string& ca,
                            uint32_t timeout_ms = 30000) {
    HttpsClientOptions options;
    options.host = host;
    options.port = static_cast<uint16_t>(port);
    options.ca_file = ca;
    options.timeout_ms = timeout_ms;
    options.max_body_bytes = 64 * 1024;
    auto client = HttpsClient::Create(options);
    EXPECT_TRUE(client.ok()) << client.status().ToString();
    return client.ok() ? std::move(client).value() : nullptr;
  }

  Result<HttpsResponse> Get(HttpsClient& client) { return client.Request("GET", "/x", {}, {}); }

  TempDir tmp_;
  lm::testing::TlsFiles tls_;
  SelfSignedCert self_signed_{tmp_.Path("self.pem")};
};

TEST_F(HttpsClientTest, PostsOverTlsWithTheGenTlsCa) {
  PemCert cert(tls_.server_cert, tls_.server_key);
  TestTlsServer server(cert, {{201, "created", "X-Answer: 42\r\n"}});
  auto client = MakeClient("127.0.0.1", server.port(), tls_.ca_cert);
  const std::string body(100 * 1024, 'b');  // more than one TLS record
  auto response = client->Request("POST", "/ingest/v1/batch?x=1",
                                  {{"Content-Type", "text/plain"}, {"X-Custom", "a b"}}, body);
  ASSERT_TRUE(response.ok()) << response.error().ToString();
  EXPECT_EQ(response->status, 201);
  EXPECT_EQ(response->body, "created");
  ASSERT_NE(response->Header("x-answer"), nullptr);
  EXPECT_EQ(*response->Header("x-answer"), "42");
  EXPECT_EQ(*response->Header("content-type"), "application/json");
  EXPECT_EQ(response->Header("X-Answer"), nullptr) << "names are lower-cased";

  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].request_line, "POST /ingest/v1/batch?x=1 HTTP/1.1");
  EXPECT_EQ(requests[0].Header("Host"), "127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ(requests[0].Header("Content-Length"), std::to_string(body.size()));
  EXPECT_EQ(requests[0].Header("Content-Type"), "text/plain");
  EXPECT_EQ(requests[0].Header("X-Custom"), "a b");
  EXPECT_EQ(requests[0].body, body);
}

TEST_F(HttpsClientTest, VerifiesDnsNamesAndIpv6Literals) {
  PemCert cert(tls_.server_cert, tls_.server_key);
  {
    TestTlsServer server(cert, {{200, "dns", ""}});
    auto client = MakeClient("localhost", server.port(), tls_.ca_cert);
    auto response = Get(*client);
    ASSERT_TRUE(response.ok()) << response.error().ToString();
    EXPECT_EQ(response->body, "dns");
    EXPECT_EQ(server.requests()[0].Header("Host"), "localhost:" + std::to_string(server.port()));
  }
  if (!testing::Ipv6LoopbackAvailable()) GTEST_SKIP() << "no IPv6 loopback";
  TestTlsServer server(cert, {{200, "v6", ""}}, {.ipv6 = true});
  auto client = MakeClient("[::1]", server.port(), tls_.ca_cert);
  auto response = Get(*client);
  ASSERT_TRUE(response.ok()) << response.error().ToString();
  EXPECT_EQ(response->body, "v6");
  EXPECT_EQ(server.requests()[0].Header("Host"), "[::1]:" + std::to_string(server.port()));
}

TEST_F(HttpsClientTest, KeepAliveReusesTheConnection) {
  TestTlsServer server(self_signed_, {{200, "one", ""}, {200, "two", "", 0, "", true}},
                       {.keep_alive = true});
  auto client = MakeClient("127.0.0.1", server.port(), self_signed_.path());
  auto first = client->Request("POST", "/a", {}, "payload");
  ASSERT_TRUE(first.ok()) << first.error().ToString();
  auto second = Get(*client);
  ASSERT_TRUE(second.ok()) << second.error().ToString();
  EXPECT_EQ(first->body, "one");
  EXPECT_EQ(second->body, "two") << "chunked body decoded";
  EXPECT_EQ(server.connections(), 1);
  EXPECT_EQ(server.requests().size(), 2u);
}

TEST_F(HttpsClientTest, ReconnectsWhenTheServerClosedTheKeptConnection) {
  ScriptedResponse closes{200, "one", ""};
  closes.close_after = true;  // like an idle timeout: the client is not told in advance
  TestTlsServer server(self_signed_, {closes, {200, "two", ""}}, {.keep_alive = true});
  auto client = MakeClient("127.0.0.1", server.port(), self_signed_.path());
  ASSERT_TRUE(Get(*client).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // let the close arrive
  auto second = Get(*client);
  ASSERT_TRUE(second.ok()) << second.error().ToString();
  EXPECT_EQ(second->body, "two");
  EXPECT_EQ(server.connections(), 2);
}

TEST_F(HttpsClientTest, RetriesOnceWhenAKeptConnectionFailsBeforeAnyResponseByte) {
  ScriptedResponse drop;
  drop.drop = true;  // reads the request, closes without answering
  TestTlsServer server(self_signed_, {{200, "one", ""}, drop, {200, "three", ""}},
                       {.keep_alive = true});
  auto client = MakeClient("127.0.0.1", server.port(), self_signed_.path());
  ASSERT_TRUE(Get(*client).ok());
  auto retried = client->Request("POST", "/a", {}, "again");
  ASSERT_TRUE(retried.ok()) << retried.error().ToString();
  EXPECT_EQ(retried->body, "three");
  EXPECT_EQ(server.connections(), 2);
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[1].body, "again");
  EXPECT_EQ(requests[2].body, "again");
}

TEST_F(HttpsClientTest, FreshConnectionFailureIsNotRetried) {
  ScriptedResponse drop;
  drop.drop = true;
  TestTlsServer server(self_signed_, {drop, {200, "unused", ""}});
  auto client = MakeClient("127.0.0.1", server.port(), self_signed_.path());
  auto response = Get(*client);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(Contains(response.error().message(), "closed the connection without responding"))
      << response.error().ToString();
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST_F(HttpsClientTest, HonoursConnectionClose) {
  // The server would keep the connection, but its response says it will not.
  TestTlsServer server(self_signed_, {{200, "one", "Connection: close\r\n"}, {200, "two", ""}},
                       {.keep_alive = true});
  auto client = MakeClient("127.0.0.1", server.port(), self_signed_.path());
  ASSERT_TRUE(Get(*client).ok());
  auto second = Get(*client);
  ASSERT_TRUE(second.ok()) << second.error().ToString();
  EXPECT_EQ(second->body, "two");
  EXPECT_EQ(server.connections(), 2);
}

TEST_F(HttpsClientTest, ReadsChunkedContentLengthAndCloseDelimitedBodies) {
  const std::string big(20000, 'c');
  ScriptedResponse chunked{200, big, ""};
  chunked.chunked = true;
  ScriptedResponse close_delimited{200, "until-close", ""};
  close_delimited.no_length = true;
  ScriptedResponse interim;
  interim.raw = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\nX-A: b\r\n\r\n";
  TestTlsServer server(self_signed_, {chunked, {200, big, ""}, close_delimited, interim},
                       {.keep_alive = true});
  auto client = MakeClient("127.0.0.1", server.port(), self_signed_.path());
  auto r1 = Get(*client);
  ASSERT_TRUE(r1.ok()) << r1.error().ToString();
  EXPECT_EQ(r1->body, big);
  auto r2 = Get(*client);
  ASSERT_TRUE(r2.ok()) << r2.error().ToString();
  EXPECT_EQ(r2->body, big);
  auto r3 = Get(*client);
  ASSERT_TRUE(r3.ok()) << r3.error().ToString();
  EXPECT_EQ(r3->body, "until-close");
  auto r4 = Get(*client);
  ASSERT_TRUE(r4.ok()) << r4.error().ToString();
  EXPECT_EQ(r4->status, 204);
  EXPECT_EQ(*r4->Header("x-a"), "b");
  EXPECT_EQ(server.connections(), 2) << "only the close-delimited body ends a connection";
}

TEST_F(HttpsClientTest, OversizedBodiesAreFailedPrecondition) {
  const std::string huge(64 * 1024 + 1, 'x');
  ScriptedResponse chunked{200, huge, ""};
  chunked.chunked = true;
  ScriptedResponse close_delimited{200, huge, ""};
  close_delimited.no_length = true;
  TestTlsServer server(self_signed_, {{200, huge, ""}, chunked, close_delimited});
  auto client = MakeClient("127.0.0.1", server.port(), self_signed_.path());
  for (int i = 0; i < 3; ++i) {
    auto response = Get(*client);
    ASSERT_FALSE(response.ok()) << i;
    EXPECT_EQ(response.error().code(), StatusCode::kFailedPrecondition) << i;
    EXPECT_TRUE(Contains(response.error().message(), "response body over 65536 bytes"))
        << response.error().ToString();
  }
}

TEST_F(HttpsClientTest, EarlyResponseIsReturnedWithoutSendingTheWholeBody) {
  ScriptedResponse early{413, "too large", ""};
  early.early = true;
  TestTlsServer server(self_signed_, {early, {200, "next", ""}}, {.keep_alive = true});
  auto client = MakeClient("127.0.0.1", server.port(), self_signed_.path());
  auto response = client->Request("POST", "/a", {}, std::string(8 << 20, 'z'));
  ASSERT_TRUE(response.ok()) << response.error().ToString();
  EXPECT_EQ(response->status, 413);
  auto next = Get(*client);
  ASSERT_TRUE(next.ok()) << next.error().ToString();
  EXPECT_EQ(server.connections(), 2) << "a partly sent request ends the connection";
}

TEST_F(HttpsClientTest, MalformedResponsesAreUnavailable) {
  const std::vector<std::string> bad = {
      "HTTP/1.1 2000 OK\r\n\r\n",
      "HTTP/2 200 OK\r\n\r\n",
      "HTTP/1.1 200 OK\r\nBad Header\r\n\r\n",
      "HTTP/1.1 200 OK\r\n folded: x\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 1, 2\r\n\r\nx",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
      "HTTP/1.1 200 OK\r\n" + std::string(70 * 1024, 'h'),
      [] {
        std::string many = "HTTP/1.1 200 OK\r\n";
        for (int i = 0; i < 101; ++i) many += "X-" + std::to_string(i) + ": v\r\n";
        return many + "\r\n";
      }(),
  };
  std::vector<ScriptedResponse> responses;
  for (const std::string& raw : bad) {
    ScriptedResponse r;
    r.raw = raw;
    responses.push_back(r);
  }
  TestTlsServer server(self_signed_, responses);
  auto client = MakeClient("127.0.0.1", server.port(), self_signed_.path());
  for (const std::string& raw : bad) {
    auto response = Get(*client);
    ASSERT_FALSE(response.ok()) << raw.substr(0, 60);
    EXPECT_EQ(response.error().code(), StatusCode::kUnavailable) << raw.substr(0, 60);
  }
}

TEST_F(HttpsClientTest, UntrustedCertificateIsUnavailable) {
  TestTlsServer server(self_signed_, {});
  auto client = MakeClient("127.0.0.1", server.port(), tls_.ca_cert);  // the wrong CA
  auto response = Get(*client);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(Contains(response.error().message(), "verification failed"))
      << response.error().ToString();
  EXPECT_TRUE(server.requests().empty());
}

TEST_F(HttpsClientTest, CertificateWithoutTheRequestedIpIsRefused) {
  SelfSignedCert dns_only(tmp_.Path("dns-only.pem"), "DNS:localhost,IP:10.0.0.1");
  TestTlsServer server(dns_only, {{200, "ok", ""}});
  auto client = MakeClient("127.0.0.1", server.port(), dns_only.path());
  auto response = Get(*client);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(Contains(response.error().message(), "verification failed"))
      << response.error().ToString();
  EXPECT_TRUE(Contains(response.error().message(), "iPAddress entry for 127.0.0.1"))
      << response.error().ToString();
  EXPECT_TRUE(server.requests().empty());
}

TEST_F(HttpsClientTest, CertificateWithoutTheRequestedDnsNameIsRefused) {
  SelfSignedCert ip_only(tmp_.Path("ip-only.pem"), "DNS:collector.example,IP:127.0.0.1");
  TestTlsServer server(ip_only, {{200, "ok", ""}});
  auto client = MakeClient("localhost", server.port(), ip_only.path());
  auto response = Get(*client);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(Contains(response.error().message(), "verification failed"))
      << response.error().ToString();
  EXPECT_TRUE(Contains(response.error().message(), "localhost")) << response.error().ToString();
  EXPECT_TRUE(server.requests().empty());
}

TEST_F(HttpsClientTest, TimesOutAgainstAServerThatNeverAnswers) {
  SilentTcpServer silent;
  auto client = MakeClient("127.0.0.1", silent.port(), self_signed_.path(), 300);
  auto start = Clock::now();
  auto response = Get(*client);
  auto elapsed = Clock::now() - start;
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(Contains(response.error().message(), "timed out after 300 ms in the TLS handshake"))
      << response.error().ToString();
  EXPECT_GE(elapsed, std::chrono::milliseconds(290));
  EXPECT_LT(elapsed, std::chrono::seconds(3));

  TestTlsServer slow(self_signed_, {{200, "late", "", /*delay_ms=*/10000}});
  auto slow_client = MakeClient("127.0.0.1", slow.port(), self_signed_.path(), 300);
  response = Get(*slow_client);
  ASSERT_FALSE(response.ok());
  EXPECT_TRUE(Contains(response.error().message(), "timed out after 300 ms waiting for"))
      << response.error().ToString();
}

TEST_F(HttpsClientTest, StopFlagAbandonsAHungRequestQuickly) {
  SilentTcpServer silent;
  auto client = MakeClient("127.0.0.1", silent.port(), self_signed_.path(), 60000);
  std::atomic<bool> stop{false};
  client->SetStopFlag(&stop);
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    stop.store(true);
  });
  auto start = Clock::now();
  auto response = Get(*client);
  auto elapsed = Clock::now() - start;
  stopper.join();
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(Contains(response.error().message(), "abandoned")) << response.error().ToString();
  EXPECT_LT(elapsed, std::chrono::milliseconds(1000));
  // Already set: nothing is attempted.
  response = Get(*client);
  ASSERT_FALSE(response.ok());
  EXPECT_TRUE(Contains(response.error().message(), "abandoned"));
}

TEST_F(HttpsClientTest, ConnectionRefusedIsUnavailable) {
  const int port = RefusedPort();
  auto client = MakeClient("127.0.0.1", port, self_signed_.path());
  auto response = Get(*client);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(Contains(response.error().message(), "127.0.0.1:" + std::to_string(port)))
      << response.error().ToString();
  EXPECT_TRUE(Contains(response.error().message(), "refused")) << response.error().ToString();
}

TEST_F(HttpsClientTest, CreateRefusesBadOptions) {
  HttpsClientOptions good;
  good.host = "127.0.0.1";
  good.port = 1;
  good.ca_file = self_signed_.path();
  ASSERT_TRUE(HttpsClient::Create(good).ok());

  auto error = [](HttpsClientOptions o) {
    auto c = HttpsClient::Create(o);
    EXPECT_FALSE(c.ok());
    return c.ok() ? Status::Ok() : c.error();
  };
  HttpsClientOptions o = good;
  o.ca_file = tmp_.Path("missing.pem");
  Status s = error(o);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(s.message(), o.ca_file)) << s.ToString();
  std::ofstream(tmp_.Path("not-pem.pem")) << "hello";
  o.ca_file = tmp_.Path("not-pem.pem");
  s = error(o);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(s.message(), o.ca_file)) << s.ToString();
  std::ofstream(tmp_.Path("bad-pem.pem"))
      << "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
  o.ca_file = tmp_.Path("bad-pem.pem");
  EXPECT_EQ(error(o).code(), StatusCode::kInvalidArgument);
  o = good;
  o.host = "[::1";
  EXPECT_EQ(error(o).code(), StatusCode::kInvalidArgument);
  o.host = "::1";
  EXPECT_EQ(error(o).code(), StatusCode::kInvalidArgument);
  o = good;
  o.timeout_ms = 0;
  EXPECT_EQ(error(o).code(), StatusCode::kInvalidArgument);
}

TEST_F(HttpsClientTest, RequestRefusesInvalidHeadersWithoutSending) {
  TestTlsServer server(self_signed_, {});
  auto client = MakeClient("127.0.0.1", server.port(), self_signed_.path());
  const std::vector<std::vector<HttpHeader>> bad = {{{"Bad Name", "v"}},
                                                    {{"X-Evil", "a\r\nInjected: 1"}},
                                                    {{"Host", "other"}},
                                                    {{"content-length", "1"}},
                                                    {{"Transfer-Encoding", "chunked"}}};
  for (const auto& headers : bad) {
    auto response = client->Request("GET", "/", headers, {});
    ASSERT_FALSE(response.ok());
    EXPECT_EQ(response.error().code(), StatusCode::kInvalidArgument);
    EXPECT_FALSE(Contains(response.error().message(), "Injected"));
  }
  EXPECT_EQ(client->Request("GET", "no-slash", {}, {}).error().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(client->Request("G T", "/", {}, {}).error().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(server.connections(), 0);
}

}  // namespace
}  // namespace lm::agent
