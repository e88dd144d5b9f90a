#include "agent/upload/http_uploader.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/agent/test_frames.h"
#include "tests/agent/upload/test_tls_server.h"
#include "tests/common/temp_dir.h"

namespace lm::agent {
namespace {

using testing::ScriptedResponse;
using testing::SelfSignedCert;
using testing::TestTlsServer;

const protocol::BatchIdentity kId{"agent-a", "0b6f2c1e-1c0a-4c59-9a43-6c1b9c7f0001", 7, 7};

std::string AckBody(const std::string& status, const protocol::BatchIdentity& id) {
  return nlohmann::json{{"status", status},
                        {"agent_id", id.agent_id},
                        {"boot_id", id.boot_id},
                        {"seq_start", id.seq_start},
                        {"seq_end", id.seq_end}}
      .dump();
}

class HttpUploaderTest : public ::testing::Test {
 protected:
  std::unique_ptr<HttpUploader> MakeUploader(const std::string& url, const std::string& ca) {
    HttpUploaderOptions options;
    options.url = url;
    options.ca_file = ca;
    options.token = "s3cr3t-token";
    options.timeout_ms = 30000;
    auto uploader = HttpUploader::Create(options);
    EXPECT_TRUE(uploader.ok()) << uploader.status().ToString();
    return uploader.ok() ? std::move(uploader).value() : nullptr;
  }

  TempDir tmp_;
  SelfSignedCert cert_{tmp_.Path("collector.pem")};
};

TEST_F(HttpUploaderTest, SendsTheFrameWithExactHeadersAndAcceptsMatchingAck) {
  TestTlsServer server(cert_,
                       {{200, AckBody("accepted", kId), ""}, {200, AckBody("duplicate", kId), ""}});
  auto uploader = MakeUploader(server.Url(), cert_.path());
  // Many TLS records; a client that asked for 100-continue would wait here.
  const std::string frame = TestFrame(kId, 2 << 20);

  auto first = uploader->Upload(frame, kId);
  ASSERT_TRUE(first.ok()) << first.error().status.ToString();
  EXPECT_EQ(first->kind, AckKind::kAccepted);
  auto second = uploader->Upload(frame, kId);
  ASSERT_TRUE(second.ok()) << second.error().status.ToString();
  EXPECT_EQ(second->kind, AckKind::kDuplicate);

  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  const auto& r = requests[0];
  EXPECT_EQ(r.request_line, "POST /ingest/v1/batch HTTP/1.1");
  EXPECT_EQ(r.Header("Content-Type"), "application/x-capnp");
  EXPECT_EQ(r.Header("Authorization"), "Bearer s3cr3t-token");
  EXPECT_EQ(r.Header("X-Lightmetrics-Agent"), "agent-a");
  EXPECT_EQ(r.Header("X-Lightmetrics-Seq-Start"), "7");
  EXPECT_EQ(r.Header("X-Lightmetrics-Seq-End"), "7");
  EXPECT_EQ(r.Header("Content-Length"), std::to_string(frame.size()));
  EXPECT_EQ(r.Header("Content-Encoding"), "<absent>");
  EXPECT_EQ(r.Header("Expect"), "<absent>");
  EXPECT_EQ(r.Header("Transfer-Encoding"), "<absent>");
  EXPECT_EQ(r.body, frame);
}

TEST_F(HttpUploaderTest, UploadsShareOneKeptConnection) {
  testing::TestTlsServerOptions keep_alive;
  keep_alive.keep_alive = true;
  TestTlsServer server(cert_,
                       {{200, AckBody("accepted", kId), ""},
                        {200, R"({"status":"success","limits":{"max_frame_bytes":4096}})", ""},
                        {200, AckBody("duplicate", kId), ""}},
                       keep_alive);
  auto uploader = MakeUploader(server.Url(), cert_.path());
  ASSERT_TRUE(uploader->Upload(TestFrame(kId), kId).ok());
  auto limits = uploader->FetchLimits();
  ASSERT_TRUE(limits.ok()) << limits.error().ToString();
  EXPECT_EQ(limits->max_frame_bytes, 4096u);
  auto again = uploader->Upload(TestFrame(kId), kId);
  ASSERT_TRUE(again.ok()) << again.error().status.ToString();
  EXPECT_EQ(again->kind, AckKind::kDuplicate);
  EXPECT_EQ(server.connections(), 1);
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[1].request_line, "GET /ingest/v1/limits HTTP/1.1");
  EXPECT_EQ(requests[0].Header("User-Agent").rfind("lm-agent/", 0), 0u);
}

TEST_F(HttpUploaderTest, CreateRefusesAnUnreadableCaFile) {
  HttpUploaderOptions options;
  options.url = "https://127.0.0.1:1/ingest/v1/batch";
  options.ca_file = tmp_.Path("missing-ca.pem");
  options.token = "tok";
  auto uploader = HttpUploader::Create(options);
  ASSERT_FALSE(uploader.ok());
  EXPECT_EQ(uploader.error().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(uploader.error().message().find("missing-ca.pem"), std::string::npos);
}

TEST_F(HttpUploaderTest, HostNameIsVerifiedToo) {
  TestTlsServer server(cert_, {{200, AckBody("accepted", kId), ""}});
  auto uploader = MakeUploader(server.Url("localhost"), cert_.path());
  auto outcome = uploader->Upload(TestFrame(kId), kId);
  EXPECT_TRUE(outcome.ok()) << outcome.error().status.ToString();
}

TEST_F(HttpUploaderTest, MismatchedAckIsAFailure) {
  protocol::BatchIdentity other = kId;
  other.seq_start = other.seq_end = 8;
  TestTlsServer server(cert_, {{200, AckBody("accepted", other), ""}});
  auto uploader = MakeUploader(server.Url(), cert_.path());
  auto outcome = uploader->Upload(TestFrame(kId), kId);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().status.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(outcome.error().http_status, 200);
}

TEST_F(HttpUploaderTest, ServiceUnavailableCarriesRetryAfter) {
  TestTlsServer server(cert_,
                       {{503, R"({"status":"error","reason":"spool_busy","error":"try later"})",
                         "Retry-After: 3\r\n"}});
  auto uploader = MakeUploader(server.Url(), cert_.path());
  auto outcome = uploader->Upload(TestFrame(kId), kId);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().status.code(), StatusCode::kUnavailable);
  EXPECT_EQ(outcome.error().http_status, 503);
  EXPECT_EQ(outcome.error().reason, "spool_busy");
  EXPECT_EQ(outcome.error().retry_after_seconds, 3u);
}

TEST_F(HttpUploaderTest, OversizedResponseBodyIsRefused) {
  TestTlsServer server(cert_, {{200, std::string(100 * 1024, ' '), ""}});
  auto uploader = MakeUploader(server.Url(), cert_.path());
  auto outcome = uploader->Upload(TestFrame(kId), kId);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().status.code(), StatusCode::kFailedPrecondition);
}

TEST_F(HttpUploaderTest, UntrustedCertificateIsATransportFailure) {
  SelfSignedCert other(tmp_.Path("other.pem"));
  TestTlsServer server(cert_, {});
  auto uploader = MakeUploader(server.Url(), other.path());
  auto outcome = uploader->Upload(TestFrame(kId), kId);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().status.code(), StatusCode::kUnavailable);
  EXPECT_EQ(outcome.error().http_status, 0);
  EXPECT_TRUE(server.requests().empty());
}

TEST_F(HttpUploaderTest, ConnectionRefusedIsUnavailable) {
  auto uploader = MakeUploader(
      "https://127.0.0.1:" + std::to_string(testing::RefusedPort()) + "/ingest/v1/batch",
      cert_.path());
  auto outcome = uploader->Upload(TestFrame(kId), kId);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().status.code(), StatusCode::kUnavailable);
  EXPECT_EQ(outcome.error().http_status, 0);
}

TEST_F(HttpUploaderTest, CreateRefusesBadOptions) {
  HttpUploaderOptions good;
  good.url = "https://127.0.0.1:1/ingest/v1/batch";
  good.ca_file = cert_.path();
  good.token = "tok";
  ASSERT_TRUE(HttpUploader::Create(good).ok());

  auto refused = [&](HttpUploaderOptions o) {
    auto u = HttpUploader::Create(o);
    return !u.ok() && u.error().code() == StatusCode::kInvalidArgument;
  };
  HttpUploaderOptions o = good;
  o.url = "http://127.0.0.1:1/ingest/v1/batch";
  EXPECT_TRUE(refused(o));
  o = good;
  o.url = "https://user@127.0.0.1:1/ingest/v1/batch";
  EXPECT_TRUE(refused(o));
  o = good;
  o.ca_file = "";
  EXPECT_TRUE(refused(o));
  o = good;
  o.token = "";
  EXPECT_TRUE(refused(o));
  o = good;
  o.token = "Sekrit-Value\r\nX-Evil: 1";
  EXPECT_TRUE(refused(o));
  auto u = HttpUploader::Create(o);
  ASSERT_FALSE(u.ok());
  EXPECT_EQ(u.error().message().find("Sekrit"), std::string::npos) << "token echoed";
  o = good;
  o.timeout_ms = 0;
  EXPECT_TRUE(refused(o));
}

TEST_F(HttpUploaderTest, AgentIdThatIsNotAHeaderValueIsRefusedWithoutSending) {
  TestTlsServer server(cert_, {});
  auto uploader = MakeUploader(server.Url(), cert_.path());
  protocol::BatchIdentity bad = kId;
  bad.agent_id = "agent\r\nX-Evil: 1";
  auto outcome = uploader->Upload("frame", bad);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().status.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(server.requests().empty());
}

TEST_F(HttpUploaderTest, FetchLimitsAsksTheLimitsEndpoint) {
  const std::string body =
      R"({"status":"success","frame_version":1,"limits":{"max_frame_bytes":1048576,)"
      R"("max_logs_per_batch":100,"max_log_message_bytes":2048,"max_alerts_per_batch":0,)"
      R"("some_future_limit":5}})";
  TestTlsServer server(cert_, {{200, body, ""}});
  auto uploader = MakeUploader(server.Url(), cert_.path());
  auto limits = uploader->FetchLimits();
  ASSERT_TRUE(limits.ok()) << limits.error().ToString();
  EXPECT_EQ(limits->max_frame_bytes, 1048576u);
  EXPECT_EQ(limits->max_logs_per_batch, 100u);
  EXPECT_EQ(limits->max_log_message_bytes, 2048u);
  EXPECT_EQ(limits->max_alerts_per_batch, 0u);
  EXPECT_EQ(limits->max_series_per_batch, protocol::DecodeLimits{}.max_series_per_batch);
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].request_line, "GET /ingest/v1/limits HTTP/1.1");
  EXPECT_EQ(requests[0].Header("Authorization"), "Bearer s3cr3t-token");
}

TEST_F(HttpUploaderTest, FetchLimitsErrors) {
  TestTlsServer server(cert_,
                       {{503, R"({"status":"error","reason":"unavailable","error":"x"})", ""},
                        {401, R"({"status":"error","reason":"unauthorized","error":"x"})", ""},
                        {200, "not json", ""},
                        {200, R"({"status":"success","limits":{"max_logs_per_batch":-1}})", ""}});
  auto uploader = MakeUploader(server.Url(), cert_.path());
  auto unavailable = uploader->FetchLimits();
  ASSERT_FALSE(unavailable.ok());
  EXPECT_EQ(unavailable.error().code(), StatusCode::kUnavailable);
  auto denied = uploader->FetchLimits();
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.error().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(denied.error().message().find("unauthorized"), std::string::npos);
  EXPECT_EQ(uploader->FetchLimits().error().code(), StatusCode::kFailedPrecondition);
  auto negative = uploader->FetchLimits();
  ASSERT_FALSE(negative.ok());
  EXPECT_NE(negative.error().message().find("max_logs_per_batch"), std::string::npos);
}

TEST_F(HttpUploaderTest, StopFlagAbandonsAnInFlightUpload) {
  TestTlsServer server(cert_, {{200, AckBody("accepted", kId), "", /*delay_ms=*/5000}});
  auto uploader = MakeUploader(server.Url(), cert_.path());
  std::atomic<bool> stop{false};
  uploader->SetStopFlag(&stop);
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    stop.store(true);
  });
  auto outcome = uploader->Upload(TestFrame(kId), kId);
  stopper.join();
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().status.code(), StatusCode::kUnavailable);
  EXPECT_NE(outcome.error().status.message().find("abandoned"), std::string::npos)
      << outcome.error().status.ToString();
}

}  // namespace
}  // namespace lm::agent
