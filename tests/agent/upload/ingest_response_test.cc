#include "agent/upload/ingest_response.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace lm::agent {
namespace {

const protocol::BatchIdentity kId{"agent-a", "0b6f2c1e-1c0a-4c59-9a43-6c1b9c7f0001", 41, 41};

std::string AckBody(const std::string& status, const protocol::BatchIdentity& id) {
  return nlohmann::json{{"status", status},
                        {"agent_id", id.agent_id},
                        {"boot_id", id.boot_id},
                        {"seq_start", id.seq_start},
                        {"seq_end", id.seq_end}}
      .dump();
}

TEST(IngestResponseTest, MatchingAcceptedAndDuplicateAreAcks) {
  auto accepted = InterpretIngestResponse(200, AckBody("accepted", kId), "", kId);
  ASSERT_TRUE(accepted.ok()) << accepted.error().status.ToString();
  EXPECT_EQ(accepted->kind, AckKind::kAccepted);
  auto duplicate = InterpretIngestResponse(200, AckBody("duplicate", kId), "", kId);
  ASSERT_TRUE(duplicate.ok()) << duplicate.error().status.ToString();
  EXPECT_EQ(duplicate->kind, AckKind::kDuplicate);
}

TEST(IngestResponseTest, ExtraFieldsAreIgnored) {
  auto body = nlohmann::json::parse(AckBody("accepted", kId));
  body["accepted_at"] = "2025-01-01T00:00:00Z";
  EXPECT_TRUE(InterpretIngestResponse(200, body.dump(), "", kId).ok());
}

TEST(IngestResponseTest, MismatchedIdentityIsNotAnAck) {
  protocol::BatchIdentity other_agent = kId, other_boot = kId, other_start = kId, other_end = kId;
  other_agent.agent_id = "agent-b";
  other_boot.boot_id = "1b6f2c1e-1c0a-4c59-9a43-6c1b9c7f0001";
  other_start.seq_start = 40;
  other_end.seq_end = 42;
  for (const auto& acked : {other_agent, other_boot, other_start, other_end}) {
    auto outcome = InterpretIngestResponse(200, AckBody("accepted", acked), "", kId);
    ASSERT_FALSE(outcome.ok());
    EXPECT_EQ(outcome.error().status.code(), StatusCode::kFailedPrecondition);
    EXPECT_EQ(outcome.error().http_status, 200);
    EXPECT_NE(outcome.error().status.message().find("not the uploaded batch"), std::string::npos)
        << outcome.error().status.message();
  }
}

TEST(IngestResponseTest, MalformedSuccessBodiesAreNotAcks) {
  const std::string bodies[] = {
      "",
      "not json",
      "{\"status\":\"accepted\"",
      "[1,2]",
      "null",
      R"({"status":"accepted"})",
      R"({"status":"ok","agent_id":"agent-a","boot_id":"b","seq_start":41,"seq_end":41})",
      R"({"agent_id":"agent-a","boot_id":"0b6f2c1e-1c0a-4c59-9a43-6c1b9c7f0001","seq_start":41,"seq_end":41})",
      R"({"status":"accepted","agent_id":"agent-a","boot_id":"0b6f2c1e-1c0a-4c59-9a43-6c1b9c7f0001","seq_start":"41","seq_end":41})",
      R"({"status":"accepted","agent_id":"agent-a","boot_id":"0b6f2c1e-1c0a-4c59-9a43-6c1b9c7f0001","seq_start":41.0,"seq_end":41})",
      R"({"status":"accepted","agent_id":"agent-a","boot_id":"0b6f2c1e-1c0a-4c59-9a43-6c1b9c7f0001","seq_start":-41,"seq_end":41})",
      R"({"status":"accepted","agent_id":7,"boot_id":"0b6f2c1e-1c0a-4c59-9a43-6c1b9c7f0001","seq_start":41,"seq_end":41})",
  };
  for (const std::string& body : bodies) {
    auto outcome = InterpretIngestResponse(200, body, "", kId);
    ASSERT_FALSE(outcome.ok()) << body;
    EXPECT_EQ(outcome.error().status.code(), StatusCode::kFailedPrecondition) << body;
  }
}

TEST(IngestResponseTest, Status200WithErrorBodyIsAFailure) {
  auto outcome = InterpretIngestResponse(
      200, R"({"status":"error","reason":"spool","error":"disk full"})", "", kId);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().reason, "spool");
}

TEST(IngestResponseTest, NonSuccessStatusesMapToCodes) {
  const std::pair<int, StatusCode> cases[] = {
      {400, StatusCode::kInvalidArgument},    {401, StatusCode::kUnauthenticated},
      {403, StatusCode::kPermissionDenied},   {409, StatusCode::kConflict},
      {413, StatusCode::kResourceExhausted},  {429, StatusCode::kUnavailable},
      {500, StatusCode::kUnavailable},        {503, StatusCode::kUnavailable},
      {201, StatusCode::kFailedPrecondition}, {404, StatusCode::kFailedPrecondition},
  };
  const std::string body =
      R"({"status":"error","reason":"frame_crc_mismatch","error":"payload CRC differs"})";
  for (const auto& [http, code] : cases) {
    auto outcome = InterpretIngestResponse(http, body, "", kId);
    ASSERT_FALSE(outcome.ok()) << http;
    const UploadFailure& f = outcome.error();
    EXPECT_EQ(f.status.code(), code) << http;
    EXPECT_EQ(f.http_status, http);
    EXPECT_EQ(f.reason, "frame_crc_mismatch");
    EXPECT_NE(f.status.message().find(std::to_string(http)), std::string::npos);
    EXPECT_NE(f.status.message().find("payload CRC differs"), std::string::npos);
    EXPECT_FALSE(f.retry_after_seconds.has_value());
  }
}

TEST(IngestResponseTest, NonSuccessWithAcceptedBodyIsStillAFailure) {
  auto outcome = InterpretIngestResponse(500, AckBody("accepted", kId), "", kId);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().status.code(), StatusCode::kUnavailable);
}

TEST(IngestResponseTest, UnavailableCarriesRetryAfter) {
  auto outcome = InterpretIngestResponse(
      503, R"({"status":"error","reason":"object_store_unavailable","error":"S3 down"})", "7", kId);
  ASSERT_FALSE(outcome.ok());
  const UploadFailure& f = outcome.error();
  EXPECT_EQ(f.status.code(), StatusCode::kUnavailable);
  EXPECT_EQ(f.http_status, 503);
  EXPECT_EQ(f.reason, "object_store_unavailable");
  EXPECT_EQ(f.retry_after_seconds, 7u);
  EXPECT_NE(f.status.message().find("retry after 7 s"), std::string::npos) << f.status.message();
}

TEST(IngestResponseTest, NonJsonErrorBodyIsQuotedSanitized) {
  auto outcome = InterpretIngestResponse(502, "<html>bad\r\ngateway</html>", "", kId);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().status.code(), StatusCode::kUnavailable);
  EXPECT_NE(outcome.error().status.message().find("<html>bad??gateway</html>"), std::string::npos)
      << outcome.error().status.message();
  EXPECT_EQ(outcome.error().reason, "");
}

TEST(IngestResponseTest, ParseRetryAfter) {
  EXPECT_EQ(ParseRetryAfter("120"), 120u);
  EXPECT_EQ(ParseRetryAfter(" 5 "), 5u);
  EXPECT_EQ(ParseRetryAfter("0"), 0u);
  EXPECT_EQ(ParseRetryAfter("99999999999999999999999"), UINT32_MAX);
  EXPECT_EQ(ParseRetryAfter(""), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("-1"), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("1.5"), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT"), std::nullopt);
}

}  // namespace
}  // namespace lm::agent
