#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>

#include "agent/collectors/default_collectors.h"
#include "agent/collectors/heartbeat_collector.h"
#include "agent/collectors/host_identity.h"
#include "agent/collectors/host_metrics_collector.h"
#include "common/file_util.h"
#include "tests/common/temp_dir.h"

namespace lm::agent {
namespace {

constexpr int64_t kNow = 1'800'000'000'000'000'000;
constexpr int64_t kBootNanos = 1796326945LL * 1'000'000'000;

std::string FixtureProc() { return std::string(LM_TEST_DATA_DIR) + "/fixtures/proc"; }

// A copy of the fixture proc root whose files can be replaced per test.
class ProcCopy {
 public:
  ProcCopy() {
    std::filesystem::copy(FixtureProc(), dir_.Path("proc"),
                          std::filesystem::copy_options::recursive);
  }
  std::string root() const { return dir_.Path("proc"); }
  void Write(const std::string& name, const std::string& text) {
    ASSERT_TRUE(WriteFileAtomic(JoinPath(root(), name), text).ok());
  }
  void Remove(const std::string& name) { ASSERT_TRUE(RemoveFile(JoinPath(root(), name)).ok()); }

 private:
  TempDir dir_;
};

Scrape CollectHostMetrics(const std::string& proc_root) {
  HostMetricsOptions options;
  options.proc_root = proc_root;
  options.ticks_per_second = 100;
  HostMetricsCollector collector(options);
  Scrape scrape;
  EXPECT_TRUE(collector.Collect(ScrapeContext{kNow}, &scrape).ok());
  return scrape;
}

// Name (plus mode label for CPU series) -> series.
std::map<std::string, protocol::MetricSeries> ByKey(const Scrape& scrape) {
  std::map<std::string, protocol::MetricSeries> out;
  for (const auto& s : scrape.series) {
    std::string key = s.name;
    for (const auto& l : s.labels) key += "{" + l.key + "=" + l.value + "}";
    EXPECT_TRUE(out.emplace(key, s).second) << "duplicate series " << key;
  }
  return out;
}

double Value(const std::map<std::string, protocol::MetricSeries>& m, const std::string& key) {
  auto it = m.find(key);
  if (it == m.end() || it->second.samples.size() != 1) {
    ADD_FAILURE() << "no single-sample series " << key;
    return -1;
  }
  EXPECT_EQ(it->second.samples[0].time_unix_nano, kNow) << key;
  return it->second.samples[0].value;
}

TEST(HostMetricsCollectorTest, FixtureValues) {
  auto m = ByKey(CollectHostMetrics(FixtureProc()));
  EXPECT_EQ(m.size(), 8u + 2u + 3u);
  // cpu  11298 0 3546 98462 406 0 120 950 0 0, USER_HZ 100.
  const std::pair<const char*, double> cpu[] = {
      {"user", 112.98}, {"nice", 0}, {"system", 35.46}, {"idle", 984.62},
      {"iowait", 4.06}, {"irq", 0},  {"softirq", 1.20}, {"steal", 9.50},
  };
  for (const auto& [mode, seconds] : cpu) {
    std::string key = std::string("lightmetrics_host_cpu_seconds_total{mode=") + mode + "}";
    EXPECT_DOUBLE_EQ(Value(m, key), seconds) << key;
    const auto& s = m[key];
    EXPECT_EQ(s.kind, protocol::MetricKind::kCounter);
    EXPECT_EQ(s.temporality, protocol::Temporality::kCumulative);
    EXPECT_EQ(s.start_time_unix_nano, kBootNanos);
    EXPECT_EQ(s.unit, "seconds");
  }
  EXPECT_EQ(Value(m, "node_memory_MemTotal_bytes"), 24683664.0 * 1024);
  EXPECT_EQ(Value(m, "node_memory_MemAvailable_bytes"), 23129988.0 * 1024);
  EXPECT_EQ(m["node_memory_MemTotal_bytes"].kind, protocol::MetricKind::kGauge);
  EXPECT_DOUBLE_EQ(Value(m, "node_load1"), 0.72);
  EXPECT_DOUBLE_EQ(Value(m, "node_load5"), 0.35);
  EXPECT_DOUBLE_EQ(Value(m, "node_load15"), 0.15);
  EXPECT_EQ(m["node_load1"].kind, protocol::MetricKind::kGauge);
}

TEST(HostMetricsCollectorTest, UnparsableStatOmitsOnlyCpuSeries) {
  ProcCopy proc;
  proc.Write("stat", "cpu  garbage\nbtime 1\n");
  auto m = ByKey(CollectHostMetrics(proc.root()));
  EXPECT_EQ(m.size(), 5u);
  EXPECT_EQ(m.count("lightmetrics_host_cpu_seconds_total{mode=user}"), 0u);
  EXPECT_EQ(m.count("node_memory_MemTotal_bytes"), 1u);
  EXPECT_EQ(m.count("node_load15"), 1u);
}

TEST(HostMetricsCollectorTest, StatWithoutBootTimeOmitsCpuCounters) {
  ProcCopy proc;
  proc.Write("stat", "cpu  1 2 3 4 5 6 7 8 0 0\n");
  auto m = ByKey(CollectHostMetrics(proc.root()));
  EXPECT_EQ(m.count("lightmetrics_host_cpu_seconds_total{mode=idle}"), 0u);
  EXPECT_EQ(m.size(), 5u);
}

TEST(HostMetricsCollectorTest, UnparsableMeminfoAndMissingLoadavg) {
  ProcCopy proc;
  proc.Write("meminfo", "MemTotal: many kB\n");
  proc.Remove("loadavg");
  auto m = ByKey(CollectHostMetrics(proc.root()));
  EXPECT_EQ(m.size(), 8u);
  EXPECT_EQ(m.count("node_memory_MemTotal_bytes"), 0u);
  EXPECT_EQ(m.count("node_load1"), 0u);
}

TEST(HostMetricsCollectorTest, MeminfoWithoutMemAvailableKeepsMemTotal) {
  ProcCopy proc;
  proc.Write("meminfo", "MemTotal: 2048 kB\nMemFree: 1024 kB\n");
  auto m = ByKey(CollectHostMetrics(proc.root()));
  EXPECT_EQ(Value(m, "node_memory_MemTotal_bytes"), 2048.0 * 1024);
  EXPECT_EQ(m.count("node_memory_MemAvailable_bytes"), 0u);
}

TEST(HostMetricsCollectorTest, MissingProcRootYieldsNothingButSucceeds) {
  TempDir empty;
  EXPECT_TRUE(CollectHostMetrics(empty.Path("nope")).series.empty());
}

TEST(HeartbeatCollectorTest, UpGaugeAndHeartbeatLog) {
  protocol::HostIdentity host{"web-1", "m", "k", "linux", "x86_64", "0.1.0"};
  HeartbeatCollector heartbeat(host);
  Scrape scrape;
  ASSERT_TRUE(heartbeat.Collect(ScrapeContext{kNow}, &scrape).ok());
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

TEST(HostIdentityTest, ReadsFixtureIdsAndFillsTheRest) {
  HostIdentitySources sources;
  sources.proc_root = FixtureProc();
  sources.machine_id_path = std::string(LM_TEST_DATA_DIR) + "/fixtures/etc/machine-id";
  protocol::HostIdentity host = ReadHostIdentity(sources);
  EXPECT_EQ(host.machine_id, "3d1219c7c4c5404aaa1f6d2a48adfda4");
  EXPECT_EQ(host.kernel_boot_id, "8b819ae1-61cc-4779-b1f2-09b33e155ae0");
  EXPECT_EQ(host.os, "linux");
  EXPECT_EQ(host.agent_version, "0.1.0");
  EXPECT_FALSE(host.hostname.empty());
  EXPECT_FALSE(host.arch.empty());
}

TEST(HostIdentityTest, MissingSourcesLeaveFieldsEmpty) {
  TempDir dir;
  protocol::HostIdentity host = ReadHostIdentity({dir.Path("proc"), dir.Path("machine-id")});
  EXPECT_EQ(host.machine_id, "");
  EXPECT_EQ(host.kernel_boot_id, "");
  EXPECT_EQ(host.os, "linux");
}

TEST(DefaultCollectorsTest, HeartbeatFirstThenHostMetrics) {
  DefaultCollectorOptions options;
  options.proc_root = FixtureProc();
  auto collectors = MakeDefaultCollectors(options);
  ASSERT_EQ(collectors.size(), 2u);
  EXPECT_EQ(collectors[0]->Name(), "heartbeat");
  EXPECT_EQ(collectors[1]->Name(), "host_metrics");
}

}  // namespace
}  // namespace lm::agent
