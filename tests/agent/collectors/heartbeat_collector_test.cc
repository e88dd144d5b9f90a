#include "agent/collectors/heartbeat_collector.h"

#include <gtest/gtest.h>

#include "tests/agent/collectors/collector_test_util.h"

namespace lm::agent {
namespace {

TEST(HeartbeatCollectorTest, UpGaugeAndHeartbeatLog) {
  protocol::HostIdentity host{"web-1", "m", "k", "linux", "x86_64", "0.1.0"};
  HeartbeatCollector heartbeat(host);
  Scrape scrape = CollectOnce(heartbeat);
  ASSERT_EQ(scrape.series.size(), 1u);
  EXPECT_EQ(scrape.series[0].name, "lmagent_up");
  EXPECT_EQ(scrape.series[0].kind, protocol::MetricKind::kGauge);
  EXPECT_EQ(scrape.series[0].samples, (std::vector<protocol::Sample>{{kNow, 1.0}}));
  ASSERT_EQ(scrape.logs.size(), 1u);
  const auto& log = scrape.logs[0];
  EXPECT_EQ(log.time_unix_nano, kNow);
  EXPECT_EQ(log.severity, protocol::Severity::kInfo);
  EXPECT_EQ(log.target, "lm-agent");
  EXPECT_EQ(log.message, "heartbeat");
  EXPECT_LE(log.attributes.size(), 4u);
  EXPECT_EQ(
      log.attributes,
      (std::vector<protocol::Label>{
          {"agent_version", "0.1.0"}, {"hostname", "web-1"}, {"os", "linux"}, {"arch", "x86_64"}}));
}

}  // namespace
}  // namespace lm::agent
