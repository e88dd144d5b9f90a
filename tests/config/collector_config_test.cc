#include "config/collector_config.h"

#include <ostream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/common/temp_dir.h"
#include "tests/config/config_test_util.h"

namespace lm::config {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kFile[] = "/etc/lm/server.toml";

// A valid collector config. Line numbers matter to the tests: `ingest_extra` is inserted as
// line 4, right after the [ingest] required keys.
std::string Minimal(std::string_view ingest_extra = "", std::string_view tail = "") {
  return std::string(
             "[ingest]\n"                              // 1
             "tls_cert_file = \"tls/server.crt\"\n"    // 2
             "tls_key_file = \"tls/server.key\"\n") +  // 3
         std::string(ingest_extra) +
         "\n" +                                      // 4
         "[[ingest.agents]]\n"                       // 5
         "id = \"host-a\"\n"                         // 6
         "token_file = \"secrets/host-a.token\"\n"   // 7
         "\n"                                        // 8
         "[query]\n"                                 // 9
         "token_file = \"secrets/query.token\"\n" +  // 10
         std::string(tail);
}

Status ParseError(const std::string& text, const std::string& source = kFile) {
  Result<CollectorConfig> r = ParseCollectorConfig(text, source);
  if (r.ok()) return Status::Ok();
  EXPECT_EQ(r.error().code(), StatusCode::kInvalidArgument) << r.error().ToString();
  return r.error();
}

std::string Message(const std::string& text) { return ParseError(text).message(); }

TEST(CollectorConfigTest, MinimalConfigGetsDefaults) {
  Result<CollectorConfig> r = ParseCollectorConfig(Minimal(), kFile);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  const CollectorConfig& c = *r;
  EXPECT_EQ(c.source_path, kFile);
  EXPECT_EQ(c.state_dir, "/var/lib/lightmetrics");
  EXPECT_EQ(c.SpoolDir(), "/var/lib/lightmetrics/spool");
  EXPECT_EQ(c.log_level, "info");
  EXPECT_EQ(c.ingest.listen, "0.0.0.0:8443");
  EXPECT_EQ(c.ingest.tls.cert_file, "/etc/lm/tls/server.crt");
  EXPECT_EQ(c.ingest.tls.key_file, "/etc/lm/tls/server.key");
  EXPECT_EQ(c.ingest.acceptance, AcceptanceMode::kLocalSpool);
  EXPECT_EQ(c.ingest.object_landing_interval_ms, 5000u);
  protocol::DecodeLimits defaults;
  EXPECT_EQ(c.ingest.limits.max_frame_bytes, defaults.max_frame_bytes);
  EXPECT_EQ(c.ingest.limits.max_series_per_batch, 2048u);
  EXPECT_EQ(c.ingest.limits.max_alerts_per_batch, 64u);
  ASSERT_EQ(c.ingest.agents.size(), 1u);
  EXPECT_EQ(c.ingest.agents[0].agent_id, "host-a");
  EXPECT_EQ(c.ingest.agents[0].token_file, "/etc/lm/secrets/host-a.token");
  EXPECT_EQ(c.query.listen, "127.0.0.1:18080");
  EXPECT_FALSE(c.query.tls.has_value());
  EXPECT_EQ(c.query.token_file, "/etc/lm/secrets/query.token");
  EXPECT_EQ(c.query.lookback_delta_ms, 300000u);
  EXPECT_EQ(c.object_store.type, ObjectStoreType::kNone);
}

TEST(CollectorConfigTest, NonAsciiOutsideStringsIsRefusedBeforeParsing) {
  // Found by the config fuzzer: some non-ASCII characters where TOML allows only whitespace
  // reach undefined behaviour in the TOML library, so they are refused first.
  EXPECT_THAT(Message(Minimal("max_seri\xEF\xBB\xBEm = 1")),
              ::testing::HasSubstr(":4:9: invalid TOML: non-ASCII character"));
  EXPECT_THAT(Message(Minimal("max_frame_bytes = 1\xC3\xA9")), ::testing::HasSubstr(":4:20:"));
  EXPECT_THAT(Message(Minimal("", "x = \"a\\\xC3\xA9\"\n")), ::testing::HasSubstr(":11:8:"));
  EXPECT_THAT(Message(Minimal("", "x = \"\"\"a\\\n  \xC3\xA9\"\"\"\n")),
              ::testing::HasSubstr(":12:3:"));
  // In strings and comments non-ASCII text is fine, as is a leading byte order mark.
  EXPECT_TRUE(
      ParseError("\xEF\xBB\xBF# Z\xC3\xBCrich\n" + Minimal("", "# \xC3\xA9t\xC3\xA9\n")).ok());
  Result<CollectorConfig> r =
      ParseCollectorConfig(Minimal("", "") + "# \xE2\x80\x94 a comment\n", kFile);
  EXPECT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_FALSE(ParseError(Minimal("",
                                  "[object_store]\nbackend = \"fs\"\npath = "
                                  "'/srv/\xC3\xA9t\xC3\xA9'\n"))
                   .message()
                   .find("non-ASCII") != std::string::npos);
}

TEST(CollectorConfigTest, FullConfig) {
  const std::string text = R"(
state_dir = "/srv/lm"
log_level = "debug"

[ingest]
listen = "[::1]:0"
tls_cert_file = "/pki/server.crt"
tls_key_file = "/pki/server.key"
acceptance = "s3_manifest"
object_landing_interval_ms = 250
max_frame_bytes = 1048576
max_series_per_batch = 107
max_labels_per_series = 4
max_label_key_bytes = 14
max_label_value_bytes = 64
max_samples_per_series = 10
max_buckets_per_histogram = 20
max_logs_per_batch = 30
max_log_message_bytes = 40
max_alerts_per_batch = 0

[[ingest.agents]]
id = "host-a"
token_file = "a.token"

[[ingest.agents]]
id = "Host_B.example-1"
token_file = "b.token"

[query]
listen = "localhost:9090"
token_file = "query.token"
tls_cert_file = "q.crt"
tls_key_file = "q.key"
lookback_delta_ms = 60000

[object_store]
type = "s3"
endpoint = "http://127.0.0.1:7480"
bucket = "lm"
prefix = "prod/"
region = "eu-west-1"
path_style = false
)";
  Result<CollectorConfig> r = ParseCollectorConfig(text, "/etc/lm/server.toml");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  const CollectorConfig& c = *r;
  EXPECT_EQ(c.state_dir, "/srv/lm");
  EXPECT_EQ(c.log_level, "debug");
  EXPECT_EQ(c.ingest.listen, "[::1]:0");
  EXPECT_EQ(c.ingest.acceptance, AcceptanceMode::kS3Manifest);
  EXPECT_EQ(c.ingest.object_landing_interval_ms, 250u);
  EXPECT_EQ(c.ingest.limits.max_frame_bytes, 1048576u);
  EXPECT_EQ(c.ingest.limits.max_series_per_batch, 107u);
  EXPECT_EQ(c.ingest.limits.max_labels_per_series, 4u);
  EXPECT_EQ(c.ingest.limits.max_label_key_bytes, 14u);
  EXPECT_EQ(c.ingest.limits.max_label_value_bytes, 64u);
  EXPECT_EQ(c.ingest.limits.max_samples_per_series, 10u);
  EXPECT_EQ(c.ingest.limits.max_buckets_per_histogram, 20u);
  EXPECT_EQ(c.ingest.limits.max_logs_per_batch, 30u);
  EXPECT_EQ(c.ingest.limits.max_log_message_bytes, 40u);
  EXPECT_EQ(c.ingest.limits.max_alerts_per_batch, 0u);
  ASSERT_EQ(c.ingest.agents.size(), 2u);
  EXPECT_EQ(c.ingest.agents[1].agent_id, "Host_B.example-1");
  EXPECT_EQ(c.ingest.agents[1].token_file, "/etc/lm/b.token");
  EXPECT_EQ(c.query.listen, "localhost:9090");
  ASSERT_TRUE(c.query.tls.has_value());
  EXPECT_EQ(c.query.tls->cert_file, "/etc/lm/q.crt");
  EXPECT_EQ(c.query.tls->key_file, "/etc/lm/q.key");
  EXPECT_EQ(c.query.lookback_delta_ms, 60000u);
  EXPECT_EQ(c.object_store.type, ObjectStoreType::kS3);
  EXPECT_EQ(c.object_store.endpoint, "http://127.0.0.1:7480");
  EXPECT_EQ(c.object_store.bucket, "lm");
  EXPECT_EQ(c.object_store.prefix, "prod/");
  EXPECT_EQ(c.object_store.region, "eu-west-1");
  EXPECT_FALSE(c.object_store.path_style);
}

struct FloorCase {
  const char* line;
  const char* expected;
};

void PrintTo(const FloorCase& c, std::ostream* os) { *os << c.line; }

class CollectorFloorTest : public ::testing::TestWithParam<FloorCase> {};

TEST_P(CollectorFloorTest, ViolationNamesFileLineAndKey) {
  EXPECT_EQ(Message(Minimal(GetParam().line)), GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    Floors, CollectorFloorTest,
    ::testing::Values(
        FloorCase{"max_series_per_batch = 50",
                  "/etc/lm/server.toml:4:1: ingest.max_series_per_batch: must be >= 107 (got 50)"},
        FloorCase{"max_labels_per_series = 3",
                  "/etc/lm/server.toml:4:1: ingest.max_labels_per_series: must be >= 4 (got 3)"},
        FloorCase{"max_label_key_bytes = 13",
                  "/etc/lm/server.toml:4:1: ingest.max_label_key_bytes: must be >= 14 (got 13)"},
        FloorCase{"max_label_value_bytes = 63",
                  "/etc/lm/server.toml:4:1: ingest.max_label_value_bytes: must be >= 64 (got 63)"},
        FloorCase{"max_samples_per_series = 0",
                  "/etc/lm/server.toml:4:1: ingest.max_samples_per_series: must be >= 1 (got 0)"},
        FloorCase{
            "max_buckets_per_histogram = 0",
            "/etc/lm/server.toml:4:1: ingest.max_buckets_per_histogram: must be >= 1 (got 0)"},
        FloorCase{"max_logs_per_batch = 0",
                  "/etc/lm/server.toml:4:1: ingest.max_logs_per_batch: must be >= 1 (got 0)"},
        FloorCase{"max_log_message_bytes = 0",
                  "/etc/lm/server.toml:4:1: ingest.max_log_message_bytes: must be >= 1 (got 0)"},
        FloorCase{"max_frame_bytes = 1023",
                  "/etc/lm/server.toml:4:1: ingest.max_frame_bytes: must be between 1024 and "
                  "1073741824 (got 1023)"},
        FloorCase{"max_frame_bytes = 1073741825",
                  "/etc/lm/server.toml:4:1: ingest.max_frame_bytes: must be between 1024 and "
                  "1073741824 (got 1073741825)"},
        FloorCase{"max_series_per_batch = -1",
                  "/etc/lm/server.toml:4:1: ingest.max_series_per_batch: must be >= 0 (got -1)"},
        FloorCase{"max_series_per_batch = 4294967296",
                  "/etc/lm/server.toml:4:1: ingest.max_series_per_batch: must be <= 4294967295 "
                  "(got 4294967296)"},
        FloorCase{"object_landing_interval_ms = 0",
                  "/etc/lm/server.toml:4:1: ingest.object_landing_interval_ms: must be >= 1 "
                  "(got 0)"}));

TEST(CollectorConfigTest, ZeroAlertsAllowed) {
  EXPECT_TRUE(ParseError(Minimal("max_alerts_per_batch = 0")).ok());
}

TEST(CollectorConfigTest, UnknownKeyIsAnError) {
  EXPECT_EQ(Message(Minimal("max_series_per_bach = 4096")),
            "/etc/lm/server.toml:4:1: ingest.max_series_per_bach: unknown key (did you mean "
            "\"max_series_per_batch\"?)");
  EXPECT_EQ(Message(Minimal("", "lookback = 5\n")),
            "/etc/lm/server.toml:11:1: query.lookback: unknown key");
  EXPECT_EQ(Message("logging = \"x\"\n" + Minimal()),
            "/etc/lm/server.toml:1:1: logging: unknown key");
}

TEST(CollectorConfigTest, UnknownTableIsAnError) {
  EXPECT_EQ(Message(Minimal("", "\n[metrics]\nenabled = true\n")),
            "/etc/lm/server.toml:12:2: metrics: unknown table");
  EXPECT_EQ(Message(Minimal("", "[[ingest.agent]]\nid = \"x\"\n")),
            "/etc/lm/server.toml:11:10: ingest.agent: unknown table (did you mean \"agents\"?)");
}

TEST(CollectorConfigTest, WrongTypeIsAnError) {
  EXPECT_EQ(Message(Minimal("max_series_per_batch = \"2048\"")),
            "/etc/lm/server.toml:4:1: ingest.max_series_per_batch: expected an integer, got a "
            "string");
  EXPECT_EQ(Message(Minimal("max_frame_bytes = 1.5")),
            "/etc/lm/server.toml:4:1: ingest.max_frame_bytes: expected an integer, got a float");
  EXPECT_EQ(Message(Minimal("listen = 8443")),
            "/etc/lm/server.toml:4:1: ingest.listen: expected a string, got an integer");
  EXPECT_EQ(Message(Minimal("", "[object_store]\npath_style = \"yes\"\n")),
            "/etc/lm/server.toml:12:1: object_store.path_style: expected a boolean, got a string");
  EXPECT_EQ(Message("object_store = 5\n" + Minimal()),
            "/etc/lm/server.toml:1:1: object_store: expected a table, got an integer");
  EXPECT_THAT(Message("[ingest]\ntls_cert_file = \"c\"\ntls_key_file = \"k\"\nagents = \"a\"\n"),
              HasSubstr("/etc/lm/server.toml:4:1: ingest.agents: expected an array of tables"));
  EXPECT_THAT(Message("[ingest]\ntls_cert_file = \"c\"\ntls_key_file = \"k\"\nagents = [1]\n"),
              HasSubstr("/etc/lm/server.toml:4:1: ingest.agents: expected an array of tables "
                        "([[ingest.agents]]), but element 0 is an integer"));
}

TEST(CollectorConfigTest, InlineSecretsAreRefused) {
  std::string message = Message(Minimal("", "token = \"s3cr3t-value\"\n"));
  EXPECT_EQ(message,
            "/etc/lm/server.toml:11:1: query.token: inline secrets are not allowed; put the "
            "secret in a file and set query.token_file");
  EXPECT_THAT(message, Not(HasSubstr("s3cr3t-value")));

  EXPECT_EQ(Message(Minimal("tls_key = \"-----BEGIN PRIVATE KEY-----\"")),
            "/etc/lm/server.toml:4:1: ingest.tls_key: inline secrets are not allowed; put the "
            "secret in a file and set ingest.tls_key_file");
  EXPECT_EQ(Message(Minimal("private_key = \"x\"")),
            "/etc/lm/server.toml:4:1: ingest.private_key: inline secrets are not allowed; put "
            "the secret in a file and set ingest.tls_key_file");
  EXPECT_EQ(Message(Minimal("", "password = \"x\"\n")),
            "/etc/lm/server.toml:11:1: query.password: inline secrets are not allowed; put the "
            "secret in a file and set query.token_file");
  EXPECT_EQ(Message(Minimal("", "[[ingest.agents]]\nid = \"b\"\ntoken = \"x\"\n")),
            "/etc/lm/server.toml:13:1: ingest.agents[1].token: inline secrets are not allowed; "
            "put the secret in a file and set ingest.agents[1].token_file");
  EXPECT_EQ(Message("secret = \"x\"\n" + Minimal()),
            "/etc/lm/server.toml:1:1: secret: inline secrets are not allowed; put the secret in "
            "a file and reference its path");
  EXPECT_THAT(Message(Minimal("", "[object_store]\nsecret_access_key = \"x\"\n")),
              HasSubstr("object_store.secret_access_key: inline secrets are not allowed; S3 "
                        "credentials are read from the environment"));
  // Inside a table the schema does not know.
  EXPECT_EQ(Message(Minimal("", "[auth]\nuser = \"u\"\npassword = \"x\"\n")),
            "/etc/lm/server.toml:13:1: auth.password: inline secrets are not allowed; put the "
            "secret in a file and reference its path");
  // A misspelt *_file key is reported as such.
  EXPECT_EQ(Message(Minimal("", "token_flie = \"q.token\"\n")),
            "/etc/lm/server.toml:11:1: query.token_flie: unknown key (did you mean "
            "\"token_file\"?)");
  // A secret-like name holding a non-string is a plain unknown key.
  EXPECT_EQ(Message(Minimal("key = 5")), "/etc/lm/server.toml:4:1: ingest.key: unknown key");
}

TEST(CollectorConfigTest, MissingRequiredKeys) {
  // Positioned at the enclosing table's header.
  EXPECT_EQ(Message("[ingest]\ntls_key_file = \"k\"\n"),
            "/etc/lm/server.toml:1:1: ingest.tls_cert_file: required key is missing");
  EXPECT_EQ(Message("log_level = \"info\"\n\n[ingest]\ntls_cert_file = \"c\"\n"),
            "/etc/lm/server.toml:3:1: ingest.tls_key_file: required key is missing");
  // The table itself is absent: line 1.
  EXPECT_EQ(Message(""), "/etc/lm/server.toml:1:1: ingest.tls_cert_file: required key is missing");
  EXPECT_EQ(Message(Minimal().substr(0, Minimal().find("[query]"))),
            "/etc/lm/server.toml:1:1: query.token_file: required key is missing");
  std::string no_query_token = Minimal();
  const std::string needle = "token_file = \"secrets/query.token\"";
  no_query_token.replace(no_query_token.rfind(needle), needle.size(), "listen = \"127.0.0.1:1\"");
  EXPECT_EQ(Message(no_query_token),
            "/etc/lm/server.toml:9:1: query.token_file: required key is missing");
  EXPECT_EQ(Message("[ingest]\ntls_cert_file = \"c\"\ntls_key_file = \"k\"\n"),
            "/etc/lm/server.toml:1:1: ingest.agents: at least one [[ingest.agents]] table (id, "
            "token_file) is required");
  EXPECT_EQ(Message(Minimal("", "[[ingest.agents]]\nid = \"b\"\n")),
            "/etc/lm/server.toml:11:1: ingest.agents[1].token_file: required key is missing");
  EXPECT_EQ(Message(Minimal("", "[[ingest.agents]]\ntoken_file = \"b\"\n")),
            "/etc/lm/server.toml:11:1: ingest.agents[1].id: required key is missing");
}

TEST(CollectorConfigTest, EmptyPathIsAnError) {
  EXPECT_EQ(Message(Minimal("", "[object_store]\ntype = \"filesystem\"\npath = \"\"\n")),
            "/etc/lm/server.toml:13:1: object_store.path: must not be empty");
}

TEST(CollectorConfigTest, RelativePathsResolveAgainstTheConfigDirectory) {
  const std::string tail = "[object_store]\ntype = \"filesystem\"\npath = \"objects\"\n";
  Result<CollectorConfig> r =
      ParseCollectorConfig("state_dir = \"state\"\n" + Minimal("", tail), "/etc/lm/server.toml");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->state_dir, "/etc/lm/state");
  EXPECT_EQ(r->ingest.tls.cert_file, "/etc/lm/tls/server.crt");
  EXPECT_EQ(r->ingest.agents[0].token_file, "/etc/lm/secrets/host-a.token");
  EXPECT_EQ(r->query.token_file, "/etc/lm/secrets/query.token");
  EXPECT_EQ(r->object_store.path, "/etc/lm/objects");

  r = ParseCollectorConfig(Minimal(), "conf/server.toml");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->query.token_file, "conf/secrets/query.token");

  r = ParseCollectorConfig(Minimal(), "server.toml");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->query.token_file, "secrets/query.token");

  r = ParseCollectorConfig(Minimal("", "[object_store]\ntype = \"filesystem\"\npath = \"/o\"\n"),
                           kFile);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->object_store.path, "/o");
}

TEST(CollectorConfigTest, ErrorsUseTheSourcePathAsGiven) {
  EXPECT_EQ(ParseError(Minimal("max_series_per_batch = 50"), "server.toml").message(),
            "server.toml:4:1: ingest.max_series_per_batch: must be >= 107 (got 50)");
}

TEST(CollectorConfigTest, InvalidTomlIsAnError) {
  std::string message = Message("[ingest]\nlisten = \n");
  EXPECT_THAT(message, HasSubstr("/etc/lm/server.toml:2:"));
  EXPECT_THAT(message, HasSubstr("invalid TOML"));
  EXPECT_THAT(Message("[ingest]\n[ingest]\n"), HasSubstr("/etc/lm/server.toml:2:"));
}

TEST(CollectorConfigTest, ListenAddresses) {
  for (const char* ok : {"0.0.0.0:0", "127.0.0.1:65535", "localhost:8443", "[::1]:9000", "[::]:443",
                         "[fe80::1]:1"}) {
    EXPECT_TRUE(ParseError(Minimal(std::string("listen = \"") + ok + "\"")).ok()) << ok;
  }
  for (const char* bad : {"example.com:80", "127.0.0.1", "127.0.0.1:65536", "::1:80", "[::1]80",
                          "[::1]:", "127.0.0.1:-1", "1.2.3:80", ":80", "127.0.0.1:8o", "[x]:80",
                          "localhost:123456"}) {
    EXPECT_THAT(Message(Minimal(std::string("listen = \"") + bad + "\"")),
                HasSubstr("/etc/lm/server.toml:4:1: ingest.listen: must be host:port"))
        << bad;
  }
  EXPECT_THAT(Message(Minimal("", "listen = \"0.0.0.0\"\n")),
              HasSubstr("/etc/lm/server.toml:11:1: query.listen: must be host:port"));
}

TEST(CollectorConfigTest, DuplicateAgentIds) {
  EXPECT_EQ(Message(Minimal("", "[[ingest.agents]]\nid = \"host-a\"\ntoken_file = \"b\"\n")),
            "/etc/lm/server.toml:12:1: ingest.agents[1].id: duplicate agent id \"host-a\" (first "
            "defined on line 6)");
}

TEST(CollectorConfigTest, InvalidAgentId) {
  std::string text = Minimal();
  text.replace(text.find("host-a"), 6, "host a");
  EXPECT_EQ(Message(text),
            "/etc/lm/server.toml:6:1: ingest.agents[0].id: must be 1-128 characters of "
            "[A-Za-z0-9._-] (got \"host a\")");
  text = Minimal();
  text.replace(text.find("host-a"), 6, std::string(129, 'a'));
  EXPECT_THAT(Message(text), HasSubstr("ingest.agents[0].id: must be 1-128 characters"));
  text = Minimal();
  text.replace(text.find("host-a"), 6, std::string(128, 'a'));
  EXPECT_TRUE(ParseError(text).ok());
}

TEST(CollectorConfigTest, Enums) {
  EXPECT_EQ(Message(Minimal("acceptance = \"s3\"")),
            "/etc/lm/server.toml:4:1: ingest.acceptance: must be \"local_spool\" or "
            "\"s3_manifest\" (got \"s3\")");
  EXPECT_EQ(Message("log_level = \"verbose\"\n" + Minimal()),
            "/etc/lm/server.toml:1:1: log_level: must be one of trace, debug, info, warn, error, "
            "off (got \"verbose\")");
  EXPECT_THAT(Message(Minimal("", "[object_store]\ntype = \"azure\"\n")),
              HasSubstr("/etc/lm/server.toml:12:1: object_store.type: must be \"none\""));
}

TEST(CollectorConfigTest, S3ManifestRequiresAnObjectStore) {
  EXPECT_EQ(Message(Minimal("acceptance = \"s3_manifest\"")),
            "/etc/lm/server.toml:4:1: ingest.acceptance: \"s3_manifest\" requires an "
            "[object_store] with type other than \"none\"");
  EXPECT_EQ(Message(Minimal("acceptance = \"s3_manifest\"", "[object_store]\ntype = \"none\"\n")),
            "/etc/lm/server.toml:4:1: ingest.acceptance: \"s3_manifest\" requires an "
            "[object_store] with type other than \"none\"");
  Result<CollectorConfig> r =
      ParseCollectorConfig(Minimal("acceptance = \"s3_manifest\"",
                                   "[object_store]\ntype = \"filesystem\"\npath = \"o\"\n"),
                           kFile);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->ingest.acceptance, AcceptanceMode::kS3Manifest);
  EXPECT_EQ(r->object_store.type, ObjectStoreType::kFilesystem);
}

TEST(CollectorConfigTest, ObjectStoreRequirements) {
  EXPECT_EQ(Message(Minimal("", "[object_store]\ntype = \"filesystem\"\n")),
            "/etc/lm/server.toml:11:1: object_store.path: required when type = \"filesystem\"");
  EXPECT_EQ(Message(Minimal("", "[object_store]\ntype = \"s3\"\nbucket = \"b\"\n")),
            "/etc/lm/server.toml:11:1: object_store.endpoint: required when type = \"s3\"");
  EXPECT_EQ(Message(Minimal("", "[object_store]\ntype = \"s3\"\nendpoint = \"http://h:1\"\n")),
            "/etc/lm/server.toml:11:1: object_store.bucket: required when type = \"s3\"");
  EXPECT_EQ(
      Message(Minimal("", "[object_store]\ntype = \"s3\"\nendpoint = \"h:1\"\nbucket = \"b\"\n")),
      "/etc/lm/server.toml:13:1: object_store.endpoint: must start with http:// or "
      "https:// (got \"h:1\")");
  EXPECT_THAT(Message(Minimal("",
                              "[object_store]\ntype = \"s3\"\nendpoint = \"https://ak:sk@h\"\n"
                              "bucket = \"b\"\n")),
              HasSubstr("object_store.endpoint: must not contain credentials"));
  EXPECT_EQ(Message(Minimal("", "[object_store]\ntype = \"gcs\"\n")),
            "/etc/lm/server.toml:11:1: object_store.bucket: required when type = \"gcs\"");
  Result<CollectorConfig> r =
      ParseCollectorConfig(Minimal("", "[object_store]\ntype = \"gcs\"\nbucket = \"b\"\n"), kFile);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->object_store.type, ObjectStoreType::kGcs);
}

TEST(CollectorConfigTest, ObjectStoreTimingsAndCollectorId) {
  Result<CollectorConfig> d = ParseCollectorConfig(Minimal(), kFile);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->object_store.timeout_ms, 30000u);
  EXPECT_EQ(d->object_store.reconcile_interval_ms, 600000u);
  EXPECT_EQ(d->object_store.startup_load_hours, 24u);
  EXPECT_EQ(d->collector_id, "");
  Result<CollectorConfig> r = ParseCollectorConfig(
      "collector_id = \"c-1\"\n" + Minimal("",
                                           "[object_store]\ntimeout_ms = 500\n"
                                           "reconcile_interval_ms = 0\nstartup_load_hours = 0\n"),
      kFile);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->collector_id, "c-1");
  EXPECT_EQ(r->object_store.timeout_ms, 500u);
  EXPECT_EQ(r->object_store.reconcile_interval_ms, 0u);
  EXPECT_EQ(r->object_store.startup_load_hours, 0u);
  EXPECT_EQ(Message(Minimal("", "[object_store]\ntimeout_ms = 99\n")),
            "/etc/lm/server.toml:12:1: object_store.timeout_ms: must be >= 100 (got 99)");
  EXPECT_EQ(Message(Minimal("", "[object_store]\nreconcile_interval_ms = 999\n")),
            "/etc/lm/server.toml:12:1: object_store.reconcile_interval_ms: must be >= 1000 (got "
            "999)");
  EXPECT_THAT(Message("collector_id = \"a b\"\n" + Minimal()),
              HasSubstr("server.toml:1:1: collector_id: must be 1-128 characters"));
}

TEST(CollectorConfigTest, QueryTlsNeedsBothFiles) {
  EXPECT_EQ(Message(Minimal("", "tls_cert_file = \"q.crt\"\n")),
            "/etc/lm/server.toml:9:1: query.tls_key_file: required when query.tls_cert_file is "
            "set");
  EXPECT_EQ(Message(Minimal("", "tls_key_file = \"q.key\"\n")),
            "/etc/lm/server.toml:9:1: query.tls_cert_file: required when query.tls_key_file is "
            "set");
}

TEST(CollectorConfigTest, DottedAndInlineTablesWork) {
  const std::string text =
      "ingest.tls_cert_file = \"c\"\n"
      "ingest.tls_key_file = \"k\"\n"
      "ingest.agents = [{ id = \"a\", token_file = \"a.token\" }]\n"
      "query = { token_file = \"q.token\" }\n";
  Result<CollectorConfig> r = ParseCollectorConfig(text, kFile);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->ingest.agents.at(0).token_file, "/etc/lm/a.token");
  EXPECT_EQ(r->query.token_file, "/etc/lm/q.token");
}

TEST(CollectorConfigTest, LoadReadsTheFile) {
  TempDir dir;
  EXPECT_EQ(LoadCollectorConfig(dir.Path("missing.toml")).error().code(), StatusCode::kNotFound);
  WriteTestFile(dir.Path("server.toml"), Minimal(), 0644);
  Result<CollectorConfig> r = LoadCollectorConfig(dir.Path("server.toml"));
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->source_path, dir.Path("server.toml"));
  EXPECT_EQ(r->query.token_file, dir.Path("secrets/query.token"));
}

class CheckCollectorFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WriteTestFile(dir_.Path("tls/server.crt"), "CERT\n", 0644);
    WriteTestFile(dir_.Path("tls/server.key"), "KEY\n", 0600);
    WriteTestFile(dir_.Path("secrets/host-a.token"), "token-a\n", 0600);
    WriteTestFile(dir_.Path("secrets/host-b.token"), "token-b\n", 0600);
    WriteTestFile(dir_.Path("secrets/query.token"), "token-q\n", 0600);
  }

  Result<CollectorConfig> Parse(std::string_view tail = "") {
    return ParseCollectorConfig(
        Minimal("", std::string(tail) + "\n[[ingest.agents]]\nid = \"host-b\"\ntoken_file = "
                                        "\"secrets/host-b.token\"\n"),
        dir_.Path("server.toml"));
  }

  TempDir dir_;
};

TEST_F(CheckCollectorFilesTest, AllFilesPresentAndPrivate) {
  Result<CollectorConfig> r = Parse();
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  Status s = CheckCollectorFiles(*r);
  EXPECT_TRUE(s.ok()) << s.ToString();
}

TEST_F(CheckCollectorFilesTest, PrivateKeyMustBePrivate) {
  WriteTestFile(dir_.Path("tls/server.key"), "KEY\n", 0640);
  Result<CollectorConfig> r = Parse();
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  Status s = CheckCollectorFiles(*r);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("ingest.tls_key_file: secret file"));
  EXPECT_THAT(s.message(), HasSubstr("(mode 0640)"));
}

TEST_F(CheckCollectorFilesTest, MissingCertificate) {
  ASSERT_TRUE(RemoveFile(dir_.Path("tls/server.crt")).ok());
  Result<CollectorConfig> r = Parse();
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  Status s = CheckCollectorFiles(*r);
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_THAT(s.message(), HasSubstr("ingest.tls_cert_file"));
}

TEST_F(CheckCollectorFilesTest, QueryTlsFilesAreChecked) {
  Result<CollectorConfig> r =
      Parse("tls_cert_file = \"tls/server.crt\"\ntls_key_file = \"tls/query.key\"\n");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  Status s = CheckCollectorFiles(*r);
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_THAT(s.message(), HasSubstr("query.tls_key_file"));
  WriteTestFile(dir_.Path("tls/query.key"), "KEY\n", 0600);
  s = CheckCollectorFiles(*r);
  EXPECT_TRUE(s.ok()) << s.ToString();
}

TEST_F(CheckCollectorFilesTest, AgentTokensMustBeUnique) {
  WriteTestFile(dir_.Path("secrets/host-b.token"), "token-a", 0600);
  Result<CollectorConfig> r = Parse();
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  Status s = CheckCollectorFiles(*r);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("ingest.agents[1].token_file"));
  EXPECT_THAT(s.message(), HasSubstr("ingest.agents[0].token_file"));
  EXPECT_THAT(s.message(), Not(HasSubstr("token-a")));
}

TEST_F(CheckCollectorFilesTest, AgentTokenMustDifferFromQueryToken) {
  WriteTestFile(dir_.Path("secrets/host-b.token"), "token-q\n\n", 0600);
  Result<CollectorConfig> r = Parse();
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  Status s = CheckCollectorFiles(*r);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("query.token_file"));
}

TEST_F(CheckCollectorFilesTest, EmptyTokenIsRefused) {
  WriteTestFile(dir_.Path("secrets/query.token"), "\n", 0600);
  Result<CollectorConfig> r = Parse();
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  Status s = CheckCollectorFiles(*r);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("query.token_file: secret file"));
}

}  // namespace
}  // namespace lm::config
