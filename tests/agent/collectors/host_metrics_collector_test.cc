#include "agent/collectors/host_metrics_collector.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/agent/collectors/collector_test_util.h"

namespace lm::agent {
namespace {

constexpr int64_t kBootNanos = 1796326945LL * 1'000'000'000;

Scrape CollectHostMetrics(const std::string& proc_root) {
  HostMetricsOptions options;
  options.proc_root = proc_root;
  options.ticks_per_second = 100;
  HostMetricsCollector collector(options);
  return CollectOnce(collector);
}

void ExpectCpuCounter(const protocol::MetricSeries& s) {
  EXPECT_EQ(s.kind, protocol::MetricKind::kCounter);
  EXPECT_EQ(s.temporality, protocol::Temporality::kCumulative);
  EXPECT_EQ(s.start_time_unix_nano, kBootNanos);
  EXPECT_EQ(s.unit, "seconds");
}

TEST(HostMetricsCollectorTest, FixtureValues) {
  Scrape scrape = CollectHostMetrics(FixtureProc());
  auto m = ByKey(scrape);
  // 8 aggregate + 2 cores * 8 + 2 memory + 3 load + 3 devices (lo excluded) * 2.
  EXPECT_EQ(m.size(), 8u + 16u + 2u + 3u + 6u);
  // cpu  11298 0 3546 98462 406 0 120 950 0 0, USER_HZ 100.
  const std::pair<const char*, double> cpu[] = {
      {"user", 112.98}, {"nice", 0}, {"system", 35.46}, {"idle", 984.62},
      {"iowait", 4.06}, {"irq", 0},  {"softirq", 1.20}, {"steal", 9.50},
  };
  for (const auto& [mode, seconds] : cpu) {
    std::string key = std::string("lightmetrics_host_cpu_seconds_total{mode=") + mode + "}";
    EXPECT_DOUBLE_EQ(Value(m, key), seconds) << key;
    ExpectCpuCounter(m[key]);
  }
  // cpu1 6624 0 1965 47853 350 0 107 469 0 0
  EXPECT_DOUBLE_EQ(Value(m, "node_cpu_seconds_total{cpu=1}{mode=user}"), 66.24);
  EXPECT_DOUBLE_EQ(Value(m, "node_cpu_seconds_total{cpu=1}{mode=steal}"), 4.69);
  ExpectCpuCounter(m["node_cpu_seconds_total{cpu=0}{mode=idle}"]);

  EXPECT_EQ(Value(m, "node_memory_MemTotal_bytes"), 24683664.0 * 1024);
  EXPECT_EQ(Value(m, "node_memory_MemAvailable_bytes"), 23129988.0 * 1024);
  EXPECT_EQ(m["node_memory_MemTotal_bytes"].kind, protocol::MetricKind::kGauge);
  EXPECT_DOUBLE_EQ(Value(m, "node_load1"), 0.72);
  EXPECT_DOUBLE_EQ(Value(m, "node_load5"), 0.35);
  EXPECT_DOUBLE_EQ(Value(m, "node_load15"), 0.15);
  EXPECT_EQ(m["node_load1"].kind, protocol::MetricKind::kGauge);

  EXPECT_EQ(Value(m, "node_network_receive_bytes_total{device=eth0}"), 20068464);
  EXPECT_EQ(Value(m, "node_network_transmit_bytes_total{device=eth0}"), 29579);
  EXPECT_EQ(m.count("node_network_receive_bytes_total{device=lo}"), 0u);
  const auto& rx = m["node_network_receive_bytes_total{device=ifb0}"];
  EXPECT_EQ(rx.kind, protocol::MetricKind::kCounter);
  EXPECT_EQ(rx.temporality, protocol::Temporality::kCumulative);
  EXPECT_EQ(rx.start_time_unix_nano, kBootNanos);
  for (const auto& s : scrape.series) EXPECT_LE(s.labels.size(), 2u) << s.name;
}

TEST(HostMetricsCollectorTest, CapsCoresAtEightAndDevicesAtFourByName) {
  Scrape scrape = CollectHostMetrics(FixtureProcMany());
  auto m = ByKey(scrape);
  EXPECT_EQ(CountNamed(scrape, "lightmetrics_host_cpu_seconds_total"), 8u);
  EXPECT_EQ(CountNamed(scrape, "node_cpu_seconds_total"), 8u * 8u);
  EXPECT_EQ(m.count("node_cpu_seconds_total{cpu=7}{mode=user}"), 1u);
  EXPECT_EQ(m.count("node_cpu_seconds_total{cpu=8}{mode=user}"), 0u);
  EXPECT_EQ(m.count("node_cpu_seconds_total{cpu=15}{mode=user}"), 0u);
  // Devices sorted by name without lo: docker0 eth0 eth1 ifb0 | ifb1 veth1a2b3c4 wlan0.
  EXPECT_EQ(CountNamed(scrape, "node_network_receive_bytes_total"), 4u);
  EXPECT_EQ(CountNamed(scrape, "node_network_transmit_bytes_total"), 4u);
  for (const char* dev : {"docker0", "eth0", "eth1", "ifb0"}) {
    EXPECT_EQ(m.count(std::string("node_network_receive_bytes_total{device=") + dev + "}"), 1u)
        << dev;
  }
  EXPECT_EQ(m.count("node_network_receive_bytes_total{device=wlan0}"), 0u);
  EXPECT_EQ(Value(m, "node_network_transmit_bytes_total{device=docker0}"), 8484);
  // The most this collector can emit, which the series budget counts on.
  EXPECT_EQ(scrape.series.size(), 8u + 64u + 5u + 8u);
}

TEST(HostMetricsCollectorTest, UnparsableCpuLinesOmitOnlyCpuSeries) {
  ProcCopy proc;
  proc.Write("stat", "cpu  garbage\nbtime 1796326945\n");
  auto m = ByKey(CollectHostMetrics(proc.root()));
  EXPECT_EQ(m.count("lightmetrics_host_cpu_seconds_total{mode=user}"), 0u);
  EXPECT_EQ(m.count("node_cpu_seconds_total{cpu=0}{mode=user}"), 0u);
  EXPECT_EQ(m.count("node_memory_MemTotal_bytes"), 1u);
  EXPECT_EQ(m.count("node_load15"), 1u);
  // The boot time parsed, so the network counters are still there.
  EXPECT_EQ(m.count("node_network_receive_bytes_total{device=eth0}"), 1u);
  EXPECT_EQ(m.size(), 5u + 6u);
}

TEST(HostMetricsCollectorTest, MalformedCoreLineOmitsAllCpuCounters) {
  ProcCopy proc;
  proc.Write("stat", "cpu  1 2 3 4 5 6 7 8\ncpu0 1 2 3\nbtime 1796326945\n");
  auto m = ByKey(CollectHostMetrics(proc.root()));
  EXPECT_EQ(m.count("lightmetrics_host_cpu_seconds_total{mode=user}"), 0u);
  EXPECT_EQ(m.size(), 5u + 6u);
}

TEST(HostMetricsCollectorTest, StatWithoutBootTimeOmitsCpuAndNetworkCounters) {
  ProcCopy proc;
  proc.Write("stat", "cpu  1 2 3 4 5 6 7 8 0 0\n");
  auto m = ByKey(CollectHostMetrics(proc.root()));
  EXPECT_EQ(m.count("lightmetrics_host_cpu_seconds_total{mode=idle}"), 0u);
  EXPECT_EQ(m.count("node_network_receive_bytes_total{device=eth0}"), 0u);
  EXPECT_EQ(m.size(), 5u);
}

TEST(HostMetricsCollectorTest, UnparsableNetDevOmitsOnlyNetwork) {
  ProcCopy proc;
  proc.Write("net/dev", "eth0: 1 2 3\n");
  auto m = ByKey(CollectHostMetrics(proc.root()));
  EXPECT_EQ(m.count("node_network_receive_bytes_total{device=eth0}"), 0u);
  EXPECT_EQ(m.size(), 8u + 16u + 5u);
  proc.Remove("net/dev");
  EXPECT_EQ(ByKey(CollectHostMetrics(proc.root())).size(), 8u + 16u + 5u);
}

TEST(HostMetricsCollectorTest, DeviceNamesAreMadeValidUtf8) {
  ProcCopy proc;
  proc.Write("net/dev", "e\xfft0: 1 0 0 0 0 0 0 0 2 0 0 0 0 0 0 0\n");
  auto m = ByKey(CollectHostMetrics(proc.root()));
  EXPECT_EQ(Value(m, "node_network_receive_bytes_total{device=e\xef\xbf\xbdt0}"), 1);
}

TEST(HostMetricsCollectorTest, UnparsableMeminfoAndMissingLoadavg) {
  ProcCopy proc;
  proc.Write("meminfo", "MemTotal: many kB\n");
  proc.Remove("loadavg");
  auto m = ByKey(CollectHostMetrics(proc.root()));
  EXPECT_EQ(m.size(), 8u + 16u + 6u);
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

TEST(HostMetricsCollectorTest, LiveProcParses) {
  HostMetricsCollector collector(HostMetricsOptions{});
  Scrape scrape = CollectOnce(collector);
  auto m = ByKey(scrape);
  EXPECT_EQ(m.count("lightmetrics_host_cpu_seconds_total{mode=idle}"), 1u);
  EXPECT_EQ(m.count("node_cpu_seconds_total{cpu=0}{mode=idle}"), 1u);
  EXPECT_EQ(m.count("node_memory_MemTotal_bytes"), 1u);
  EXPECT_EQ(m.count("node_load1"), 1u);
}

}  // namespace
}  // namespace lm::agent
