#include "config/agent_config.h"

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/collector_config.h"
#include "tests/common/temp_dir.h"
#include "tests/config/config_test_util.h"

namespace lm::config {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kFile[] = "/etc/lm/agent.toml";

// A valid agent config; `extra` is inserted as line 2 (a top-level key) and `tail` appended.
std::string Minimal(std::string_view extra = "", std::string_view tail = "") {
  return std::string("agent_id = \"host-a\"\n") +                      // 1
         std::string(extra) + "\n" +                                   // 2
         "[collector]\n"                                               // 3
         "url = \"https://collector.example:8443/ingest/v1/batch\"\n"  // 4
         "ca_file = \"tls/ca.crt\"\n"                                  // 5
         "token_file = \"secrets/agent.token\"\n" +                    // 6
         std::string(tail);                                            // 7...
}

std::string Message(const std::string& text) {
  Result<AgentConfig> r = ParseAgentConfig(text, kFile);
  if (r.ok()) return "ok";
  EXPECT_EQ(r.error().code(), StatusCode::kInvalidArgument) << r.error().ToString();
  return r.error().message();
}

TEST(AgentConfigTest, MinimalConfigGetsDefaults) {
  Result<AgentConfig> r = ParseAgentConfig(Minimal(), kFile);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  const AgentConfig& c = *r;
  EXPECT_EQ(c.source_path, kFile);
  EXPECT_EQ(c.agent_id, "host-a");
  EXPECT_EQ(c.log_level, "info");
  EXPECT_EQ(c.interval_ms, 10000u);
  EXPECT_EQ(c.collector.url, "https://collector.example:8443/ingest/v1/batch");
  EXPECT_EQ(c.collector.ca_file, "/etc/lm/tls/ca.crt");
  EXPECT_EQ(c.collector.token_file, "/etc/lm/secrets/agent.token");
  EXPECT_EQ(c.collector.timeout_ms, 10000u);
  EXPECT_EQ(c.queue.dir, "/var/lib/lightmetrics/queue");
  EXPECT_EQ(c.queue.max_bytes, 64ull << 20);
  EXPECT_EQ(c.limits.max_log_message_bytes, 16384u);
  EXPECT_EQ(c.limits.max_logs_per_batch, 256u);
  EXPECT_EQ(c.limits.max_alerts_per_batch, 1u);
}

TEST(AgentConfigTest, FullConfig) {
  const std::string text = R"(
agent_id = "web-01.prod"
log_level = "warn"
interval_ms = 100

[collector]
url = "https://[::1]:8443/ingest/v1/batch"
ca_file = "/pki/ca.crt"
token_file = "/run/secrets/agent.token"
timeout_ms = 2500

[queue]
dir = "queue"
max_bytes = 1048576

[limits]
max_log_message_bytes = 4096
max_logs_per_batch = 16
max_alerts_per_batch = 0
)";
  Result<AgentConfig> r = ParseAgentConfig(text, kFile);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  const AgentConfig& c = *r;
  EXPECT_EQ(c.agent_id, "web-01.prod");
  EXPECT_EQ(c.log_level, "warn");
  EXPECT_EQ(c.interval_ms, 100u);
  EXPECT_EQ(c.collector.url, "https://[::1]:8443/ingest/v1/batch");
  EXPECT_EQ(c.collector.ca_file, "/pki/ca.crt");
  EXPECT_EQ(c.collector.token_file, "/run/secrets/agent.token");
  EXPECT_EQ(c.collector.timeout_ms, 2500u);
  EXPECT_EQ(c.queue.dir, "/etc/lm/queue");
  EXPECT_EQ(c.queue.max_bytes, 1048576u);
  EXPECT_EQ(c.limits.max_log_message_bytes, 4096u);
  EXPECT_EQ(c.limits.max_logs_per_batch, 16u);
  EXPECT_EQ(c.limits.max_alerts_per_batch, 0u);
}

TEST(AgentConfigTest, RelativePathsResolveAgainstTheConfigDirectory) {
  Result<AgentConfig> r = ParseAgentConfig(Minimal("", "[queue]\ndir = \"q\"\n"), "cfg/agent.toml");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->collector.ca_file, "cfg/tls/ca.crt");
  EXPECT_EQ(r->collector.token_file, "cfg/secrets/agent.token");
  EXPECT_EQ(r->queue.dir, "cfg/q");
}

// A [[log_inputs]] table on lines 8-10 after Minimal()'s lines 1-6 and an empty line 7.
std::string WithLogInput(std::string_view body) {
  return Minimal("", "\n[[log_inputs]]\n" + std::string(body));
}

TEST(AgentConfigTest, LogInputs) {
  Result<AgentConfig> none = ParseAgentConfig(Minimal(), kFile);
  ASSERT_TRUE(none.ok()) << none.error().ToString();
  EXPECT_TRUE(none->log_inputs.empty());
  Result<AgentConfig> empty = ParseAgentConfig(Minimal("log_inputs = []"), kFile);
  ASSERT_TRUE(empty.ok()) << empty.error().ToString();
  EXPECT_TRUE(empty->log_inputs.empty());

  const std::string name64(64, 'n');
  Result<AgentConfig> r = ParseAgentConfig(
      Minimal("",
              "\n[[log_inputs]]\nname = \"syslog\"\npath = \"/var/log/syslog\"\n"
              "[[log_inputs]]\nname = \"" +
                  name64 + "\"\npath = \"/" + std::string(511, 'p') +
                  "\"\n[[log_inputs]]\nname = \"App_1.x-y\"\npath = \"/var/log/syslog\"\n"),
      kFile);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ASSERT_EQ(r->log_inputs.size(), 3u);
  EXPECT_EQ(r->log_inputs[0], (LogInputConfig{"syslog", "/var/log/syslog"}));
  EXPECT_EQ(r->log_inputs[1], (LogInputConfig{name64, "/" + std::string(511, 'p')}));
  // Two inputs may read the same file under different names.
  EXPECT_EQ(r->log_inputs[2], (LogInputConfig{"App_1.x-y", "/var/log/syslog"}));
}

TEST(AgentConfigTest, LogInputErrors) {
  EXPECT_EQ(Message(WithLogInput("path = \"/var/log/a\"\n")),
            "/etc/lm/agent.toml:8:1: log_inputs[0].name: required key is missing");
  EXPECT_EQ(Message(WithLogInput("name = \"a\"\n")),
            "/etc/lm/agent.toml:8:1: log_inputs[0].path: required key is missing");
  EXPECT_EQ(Message(WithLogInput("name = \"sys log\"\npath = \"/var/log/a\"\n")),
            "/etc/lm/agent.toml:9:1: log_inputs[0].name: must be 1-64 bytes of [A-Za-z0-9_.-] "
            "(got \"sys log\")");
  EXPECT_EQ(Message(WithLogInput("name = \"\"\npath = \"/var/log/a\"\n")),
            "/etc/lm/agent.toml:9:1: log_inputs[0].name: must be 1-64 bytes of [A-Za-z0-9_.-] "
            "(got \"\")");
  EXPECT_THAT(Message(WithLogInput("name = \"" + std::string(65, 'n') + "\"\npath = \"/a\"\n")),
              HasSubstr("/etc/lm/agent.toml:9:1: log_inputs[0].name: must be 1-64 bytes"));
  EXPECT_EQ(Message(WithLogInput("name = 7\npath = \"/var/log/a\"\n")),
            "/etc/lm/agent.toml:9:1: log_inputs[0].name: expected a string, got an integer");
  EXPECT_EQ(Message(WithLogInput("name = \"a\"\npath = \"var/log/a\"\n")),
            "/etc/lm/agent.toml:10:1: log_inputs[0].path: must be an absolute path (got "
            "\"var/log/a\")");
  EXPECT_EQ(Message(WithLogInput("name = \"a\"\npath = \"\"\n")),
            "/etc/lm/agent.toml:10:1: log_inputs[0].path: must be an absolute path (got \"\")");
  EXPECT_EQ(Message(WithLogInput("name = \"a\"\npath = \"/var/log/a\\nb\"\n")),
            "/etc/lm/agent.toml:10:1: log_inputs[0].path: must not contain a newline or NUL "
            "character");
  EXPECT_EQ(Message(WithLogInput("name = \"a\"\npath = \"/" + std::string(512, 'p') + "\"\n")),
            "/etc/lm/agent.toml:10:1: log_inputs[0].path: must be at most 512 bytes (got 513 "
            "bytes)");
  EXPECT_EQ(Message(WithLogInput("name = \"a\"\npath = \"/var/log/\"\n")),
            "/etc/lm/agent.toml:10:1: log_inputs[0].path: must name a file, not a directory (got "
            "\"/var/log/\")");
  EXPECT_EQ(Message(WithLogInput("name = \"a\"\npath = [\"/var/log/a\"]\n")),
            "/etc/lm/agent.toml:10:1: log_inputs[0].path: expected a string, got an array");
  EXPECT_EQ(Message(WithLogInput("name = \"a\"\npath = \"/a\"\n[[log_inputs]]\nname = \"b\"\n"
                                 "path = \"/b\"\n[[log_inputs]]\nname = \"a\"\npath = \"/c\"\n")),
            "/etc/lm/agent.toml:15:1: log_inputs[2].name: duplicate log input name \"a\" (first "
            "defined on line 9)");
  EXPECT_EQ(Message(WithLogInput("name = \"a\"\npaht = \"/a\"\n")),
            "/etc/lm/agent.toml:10:1: log_inputs[0].paht: unknown key (did you mean \"path\"?)");
  EXPECT_EQ(Message(Minimal("log_inputs = \"/var/log/syslog\"")),
            "/etc/lm/agent.toml:2:1: log_inputs: expected an array of tables ([[log_inputs]]), got "
            "a string");
  EXPECT_EQ(Message(Minimal("log_inputs = [\"/var/log/syslog\"]")),
            "/etc/lm/agent.toml:2:1: log_inputs: expected an array of tables ([[log_inputs]]), but "
            "element 0 is a string");
  EXPECT_THAT(Message(Minimal("", "[log_inputs]\nname = \"a\"\npath = \"/a\"\n")),
              HasSubstr("log_inputs: expected an array of tables ([[log_inputs]]), got a table"));
}

TEST(AgentConfigTest, RequiredKeys) {
  EXPECT_EQ(Message("[collector]\nurl = \"https://h/\"\n"),
            "/etc/lm/agent.toml:1:1: agent_id: required key is missing");
  EXPECT_EQ(Message("agent_id = \"a\"\n"),
            "/etc/lm/agent.toml:1:1: collector.url: required key is missing");
  EXPECT_EQ(Message("agent_id = \"a\"\n[collector]\nurl = \"https://h/\"\n"),
            "/etc/lm/agent.toml:2:1: collector.ca_file: required key is missing");
  EXPECT_EQ(Message("agent_id = \"a\"\n[collector]\nurl = \"https://h/\"\nca_file = \"ca\"\n"),
            "/etc/lm/agent.toml:2:1: collector.token_file: required key is missing");
}

TEST(AgentConfigTest, AgentIdRule) {
  std::string text = Minimal();
  text.replace(text.find("host-a"), 6, "host/a");
  EXPECT_EQ(Message(text),
            "/etc/lm/agent.toml:1:1: agent_id: must be 1-128 characters of [A-Za-z0-9._-] (got "
            "\"host/a\")");
  text = Minimal();
  text.replace(text.find("host-a"), 6, "");
  EXPECT_THAT(Message(text), HasSubstr("agent_id: must be 1-128 characters"));
}

TEST(AgentConfigTest, CollectorUrlMustBeHttps) {
  std::string text = Minimal();
  text.replace(text.find("https://"), 8, "http://");
  EXPECT_EQ(Message(text),
            "/etc/lm/agent.toml:4:1: collector.url: must be an https:// URL (got "
            "\"http://collector.example:8443/ingest/v1/batch\")");
  text = Minimal();
  text.replace(text.find("collector.example"), 17, "user:pw@collector.example");
  std::string message = Message(text);
  EXPECT_EQ(message,
            "/etc/lm/agent.toml:4:1: collector.url: must not contain credentials; put the token "
            "in a file and set collector.token_file");
  EXPECT_THAT(message, Not(HasSubstr("pw")));
  text = Minimal();
  text.replace(text.find("collector.example:8443"), 22, "");
  EXPECT_THAT(Message(text), HasSubstr("collector.url: has no host"));
}

TEST(AgentConfigTest, Bounds) {
  EXPECT_EQ(Message(Minimal("interval_ms = 99")),
            "/etc/lm/agent.toml:2:1: interval_ms: must be >= 100 (got 99)");
  EXPECT_EQ(Message(Minimal("", "timeout_ms = 0\n")),
            "/etc/lm/agent.toml:7:1: collector.timeout_ms: must be >= 1 (got 0)");
  EXPECT_EQ(Message(Minimal("", "[queue]\nmax_bytes = 0\n")),
            "/etc/lm/agent.toml:8:1: queue.max_bytes: must be >= 1 (got 0)");
  EXPECT_EQ(Message(Minimal("", "[limits]\nmax_logs_per_batch = 0\n")),
            "/etc/lm/agent.toml:8:1: limits.max_logs_per_batch: must be >= 1 (got 0)");
  EXPECT_EQ(Message(Minimal("", "[limits]\nmax_log_message_bytes = 0\n")),
            "/etc/lm/agent.toml:8:1: limits.max_log_message_bytes: must be >= 1 (got 0)");
  EXPECT_EQ(Message(Minimal("", "[limits]\nmax_alerts_per_batch = 0\n")), "ok");
}

TEST(AgentConfigTest, UnknownKeysWrongTypesAndSecrets) {
  EXPECT_EQ(Message(Minimal("intervl_ms = 1000")),
            "/etc/lm/agent.toml:2:1: intervl_ms: unknown key (did you mean \"interval_ms\"?)");
  EXPECT_EQ(Message(Minimal("", "[queue]\npath = \"/q\"\n")),
            "/etc/lm/agent.toml:8:1: queue.path: unknown key");
  EXPECT_EQ(Message(Minimal("interval_ms = \"10s\"")),
            "/etc/lm/agent.toml:2:1: interval_ms: expected an integer, got a string");
  EXPECT_EQ(Message(Minimal("", "[limits]\nmax_logs_per_batch = true\n")),
            "/etc/lm/agent.toml:8:1: limits.max_logs_per_batch: expected an integer, got a "
            "boolean");
  EXPECT_EQ(Message(Minimal("", "token = \"abc\"\n")),
            "/etc/lm/agent.toml:7:1: collector.token: inline secrets are not allowed; put the "
            "secret in a file and set collector.token_file");
  EXPECT_EQ(Message(Minimal("log_level = \"loud\"")),
            "/etc/lm/agent.toml:2:1: log_level: must be one of trace, debug, info, warn, error, "
            "off (got \"loud\")");
}

TEST(AgentConfigTest, LoadReadsTheFile) {
  TempDir dir;
  EXPECT_EQ(LoadAgentConfig(dir.Path("missing.toml")).error().code(), StatusCode::kNotFound);
  WriteTestFile(dir.Path("agent.toml"), Minimal(), 0644);
  Result<AgentConfig> r = LoadAgentConfig(dir.Path("agent.toml"));
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->collector.token_file, dir.Path("secrets/agent.token"));
}

TEST(AgentConfigTest, CheckAgentFiles) {
  TempDir dir;
  Result<AgentConfig> r = ParseAgentConfig(Minimal(), dir.Path("agent.toml"));
  ASSERT_TRUE(r.ok()) << r.error().ToString();

  Status s = CheckAgentFiles(*r);
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_THAT(s.message(), HasSubstr("collector.token_file"));

  WriteTestFile(dir.Path("secrets/agent.token"), "tok\n", 0644);
  s = CheckAgentFiles(*r);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("collector.token_file: secret file"));
  EXPECT_THAT(s.message(), HasSubstr("(mode 0644); chmod 600 it"));

  WriteTestFile(dir.Path("secrets/agent.token"), "tok\n", 0600);
  s = CheckAgentFiles(*r);
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_THAT(s.message(), HasSubstr("collector.ca_file"));

  WriteTestFile(dir.Path("tls/ca.crt"), "CA\n", 0644);
  s = CheckAgentFiles(*r);
  EXPECT_TRUE(s.ok()) << s.ToString();
}

CollectorConfig CollectorWithDefaults() {
  CollectorConfig c;
  c.source_path = "/etc/lm/server.toml";
  return c;
}

TEST(CheckAgentAgainstCollectorTest, DefaultsFit) {
  AgentConfig agent;
  agent.source_path = kFile;
  Status s = CheckAgentAgainstCollector(agent, CollectorWithDefaults());
  EXPECT_TRUE(s.ok()) << s.ToString();
}

TEST(CheckAgentAgainstCollectorTest, EqualLimitsFit) {
  AgentConfig agent;
  CollectorConfig collector = CollectorWithDefaults();
  agent.limits.max_log_message_bytes = collector.ingest.limits.max_log_message_bytes;
  agent.limits.max_logs_per_batch = collector.ingest.limits.max_logs_per_batch;
  agent.limits.max_alerts_per_batch = collector.ingest.limits.max_alerts_per_batch;
  EXPECT_TRUE(CheckAgentAgainstCollector(agent, collector).ok());
}

TEST(CheckAgentAgainstCollectorTest, NamesEveryOffendingLimit) {
  AgentConfig agent;
  agent.source_path = kFile;
  agent.limits.max_logs_per_batch = 2048;
  agent.limits.max_alerts_per_batch = 65;
  Status s = CheckAgentAgainstCollector(agent, CollectorWithDefaults());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "/etc/lm/agent.toml: agent limits exceed the ingest limits of /etc/lm/server.toml: "
            "limits.max_logs_per_batch = 2048 exceeds the collector's "
            "ingest.max_logs_per_batch = 1024; limits.max_alerts_per_batch = 65 exceeds the "
            "collector's ingest.max_alerts_per_batch = 64");

  CollectorConfig small = CollectorWithDefaults();
  small.ingest.limits.max_log_message_bytes = 1000;
  s = CheckAgentAgainstCollector(AgentConfig{}, small);
  EXPECT_THAT(s.message(), HasSubstr("limits.max_log_message_bytes = 16384 exceeds the "
                                     "collector's ingest.max_log_message_bytes = 1000"));
  EXPECT_THAT(s.message(), Not(HasSubstr("max_logs_per_batch")));
}

TEST(AgentConfigTest, UploadSettings) {
  Result<AgentConfig> d = ParseAgentConfig(Minimal(), kFile);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->collector.compression, "zstd");
  EXPECT_EQ(d->collector.zstd_level, 1);
  EXPECT_EQ(d->collector.retry_initial_ms, 500u);
  EXPECT_EQ(d->collector.retry_max_ms, 30000u);
  EXPECT_TRUE(d->collector.check_limits);
  EXPECT_EQ(d->limits.max_batch_bytes, 4ull << 20);
  Result<AgentConfig> r =
      ParseAgentConfig(Minimal("",
                               "compression = \"none\"\nzstd_level = 19\nretry_initial_ms = 10\n"
                               "retry_max_ms = 10\ncheck_limits = false\n[limits]\n"
                               "max_batch_bytes = 65536\n"),
                       kFile);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->collector.compression, "none");
  EXPECT_EQ(r->collector.zstd_level, 19);
  EXPECT_EQ(r->collector.retry_max_ms, 10u);
  EXPECT_FALSE(r->collector.check_limits);
  EXPECT_EQ(r->limits.max_batch_bytes, 65536u);

  EXPECT_EQ(Message(Minimal("", "compression = \"gzip\"\n")),
            "/etc/lm/agent.toml:7:1: collector.compression: must be \"zstd\" or \"none\" (got "
            "\"gzip\")");
  EXPECT_EQ(Message(Minimal("", "zstd_level = 0\n")),
            "/etc/lm/agent.toml:7:1: collector.zstd_level: must be between 1 and 19 (got 0)");
  EXPECT_EQ(Message(Minimal("", "zstd_level = 20\n")),
            "/etc/lm/agent.toml:7:1: collector.zstd_level: must be between 1 and 19 (got 20)");
  EXPECT_EQ(Message(Minimal("", "retry_initial_ms = 0\n")),
            "/etc/lm/agent.toml:7:1: collector.retry_initial_ms: must be >= 1 (got 0)");
  EXPECT_EQ(Message(Minimal("", "retry_max_ms = 100\n")),
            "/etc/lm/agent.toml:7:1: collector.retry_max_ms: must be at least retry_initial_ms "
            "(500) (got 100)");
  EXPECT_THAT(Message(Minimal("", "check_limits = 1\n")),
              HasSubstr("/etc/lm/agent.toml:7:1: collector.check_limits"));
  EXPECT_EQ(Message(Minimal("", "[limits]\nmax_batch_bytes = 65535\n")),
            "/etc/lm/agent.toml:8:1: limits.max_batch_bytes: must be >= 65536 (got 65535)");
}

TEST(CheckAgentAgainstCollectorTest, BatchBytesAgainstFrameBytes) {
  AgentConfig agent;
  agent.source_path = kFile;
  CollectorConfig collector = CollectorWithDefaults();
  agent.limits.max_batch_bytes = collector.ingest.limits.max_frame_bytes;
  EXPECT_TRUE(CheckAgentAgainstCollector(agent, collector).ok());
  agent.limits.max_batch_bytes += 1;
  Status s = CheckAgentAgainstCollector(agent, collector);
  EXPECT_THAT(s.message(), HasSubstr("limits.max_batch_bytes = 8388609 exceeds the collector's "
                                     "ingest.max_frame_bytes = 8388608"));
}

}  // namespace
}  // namespace lm::config
