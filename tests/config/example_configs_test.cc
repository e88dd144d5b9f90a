// The shipped example configs (config/server.toml, config/agent.toml) must load, carry the
// documented defaults and agree with each other.
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/file_util.h"
#include "config/agent_config.h"
#include "config/collector_config.h"
#include "tests/common/temp_dir.h"
#include "tests/config/config_test_util.h"

namespace lm::config {
namespace {

std::string ReadExample(const std::string& name) {
  Result<std::string> text = ReadFile(std::string(LM_TEST_DATA_DIR) + "/../../config/" + name);
  EXPECT_TRUE(text.ok()) << text.status().ToString();
  return text.ok() ? *text : std::string();
}

TEST(ExampleConfigsTest, ServerTomlLoadsWithDocumentedDefaults) {
  TempDir dir;
  Result<CollectorConfig> r =
      ParseCollectorConfig(ReadExample("server.toml"), dir.Path("server.toml"));
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  const CollectorConfig& c = *r;
  CollectorConfig defaults;
  EXPECT_EQ(c.state_dir, defaults.state_dir);
  EXPECT_EQ(c.log_level, defaults.log_level);
  EXPECT_EQ(c.ingest.listen, defaults.ingest.listen);
  EXPECT_EQ(c.ingest.acceptance, defaults.ingest.acceptance);
  EXPECT_EQ(c.ingest.object_landing_interval_ms, defaults.ingest.object_landing_interval_ms);
  const protocol::DecodeLimits& l = c.ingest.limits;
  const protocol::DecodeLimits d;
  EXPECT_EQ(l.max_frame_bytes, d.max_frame_bytes);
  EXPECT_EQ(l.max_series_per_batch, d.max_series_per_batch);
  EXPECT_EQ(l.max_labels_per_series, d.max_labels_per_series);
  EXPECT_EQ(l.max_label_key_bytes, d.max_label_key_bytes);
  EXPECT_EQ(l.max_label_value_bytes, d.max_label_value_bytes);
  EXPECT_EQ(l.max_samples_per_series, d.max_samples_per_series);
  EXPECT_EQ(l.max_buckets_per_histogram, d.max_buckets_per_histogram);
  EXPECT_EQ(l.max_logs_per_batch, d.max_logs_per_batch);
  EXPECT_EQ(l.max_log_message_bytes, d.max_log_message_bytes);
  EXPECT_EQ(l.max_alerts_per_batch, d.max_alerts_per_batch);
  EXPECT_EQ(c.query.listen, defaults.query.listen);
  EXPECT_EQ(c.query.lookback_delta_ms, defaults.query.lookback_delta_ms);
  EXPECT_FALSE(c.query.tls.has_value());
  EXPECT_EQ(c.query.token_file, dir.Path("secrets/query.token"));
  EXPECT_EQ(c.object_store.type, ObjectStoreType::kNone);
  EXPECT_EQ(c.object_store.prefix, defaults.object_store.prefix);
  EXPECT_EQ(c.object_store.region, defaults.object_store.region);
  EXPECT_EQ(c.object_store.path_style, defaults.object_store.path_style);
  ASSERT_FALSE(c.ingest.agents.empty());
}

TEST(ExampleConfigsTest, AgentTomlLoadsWithDocumentedDefaults) {
  TempDir dir;
  Result<AgentConfig> r = ParseAgentConfig(ReadExample("agent.toml"), dir.Path("agent.toml"));
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  const AgentConfig& a = *r;
  AgentConfig defaults;
  EXPECT_EQ(a.log_level, defaults.log_level);
  EXPECT_EQ(a.interval_ms, defaults.interval_ms);
  EXPECT_EQ(a.collector.timeout_ms, defaults.collector.timeout_ms);
  EXPECT_EQ(a.queue.dir, defaults.queue.dir);
  EXPECT_EQ(a.queue.max_bytes, defaults.queue.max_bytes);
  EXPECT_EQ(a.limits.max_log_message_bytes, defaults.limits.max_log_message_bytes);
  EXPECT_EQ(a.limits.max_logs_per_batch, defaults.limits.max_logs_per_batch);
  EXPECT_EQ(a.limits.max_alerts_per_batch, defaults.limits.max_alerts_per_batch);
  EXPECT_EQ(a.collector.token_file, dir.Path("secrets/agent.token"));
}

TEST(ExampleConfigsTest, ExamplesAgreeAndTheirFilesPassTheChecks) {
  TempDir dir;
  Result<CollectorConfig> c =
      ParseCollectorConfig(ReadExample("server.toml"), dir.Path("server.toml"));
  Result<AgentConfig> a = ParseAgentConfig(ReadExample("agent.toml"), dir.Path("agent.toml"));
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  ASSERT_TRUE(a.ok()) << a.error().ToString();

  Status s = CheckAgentAgainstCollector(*a, *c);
  EXPECT_TRUE(s.ok()) << s.ToString();
  bool agent_known = false;
  for (const AgentToken& t : c->ingest.agents) agent_known |= t.agent_id == a->agent_id;
  EXPECT_TRUE(agent_known) << a->agent_id;

  WriteTestFile(c->ingest.tls.cert_file, "CERT\n", 0644);
  WriteTestFile(c->ingest.tls.key_file, "KEY\n", 0600);
  WriteTestFile(c->query.token_file, "query-token\n", 0600);
  for (size_t i = 0; i < c->ingest.agents.size(); ++i) {
    WriteTestFile(c->ingest.agents[i].token_file, "agent-token-" + std::to_string(i), 0600);
  }
  s = CheckCollectorFiles(*c);
  EXPECT_TRUE(s.ok()) << s.ToString();

  WriteTestFile(a->collector.ca_file, "CA\n", 0644);
  WriteTestFile(a->collector.token_file, "agent-token-0\n", 0600);
  s = CheckAgentFiles(*a);
  EXPECT_TRUE(s.ok()) << s.ToString();
}

}  // namespace
}  // namespace lm::config
