#include "agent/collectors/process_metrics_collector.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "agent/collectors/metric_builders.h"
#include "tests/agent/collectors/collector_test_util.h"

namespace lm::agent {
namespace {

constexpr int64_t kBootNanos = 1796326945LL * 1'000'000'000;
constexpr int64_t kHz = 100;
constexpr int64_t kPage = 4096;

Scrape CollectProcesses(const std::string& proc_root) {
  ProcessMetricsOptions options;
  options.proc_root = proc_root;
  options.ticks_per_second = kHz;
  options.page_size_bytes = kPage;
  ProcessMetricsCollector collector(options);
  return CollectOnce(collector);
}

// The pid labels of the enumerated RSS gauges, in emission order.
std::vector<std::string> EnumeratedPids(const Scrape& scrape) {
  std::vector<std::string> pids;
  for (const auto& s : scrape.series) {
    if (s.name != "lightmetrics_host_process_resident_memory_bytes") continue;
    EXPECT_EQ(s.labels.size(), 3u);
    pids.push_back(s.labels.at(0).value);
  }
  return pids;
}

TEST(ProcessMetricsCollectorTest, AgentProcessFromSelf) {
  auto m = ByKey(CollectProcesses(FixtureProc()));
  // self/stat: utime 11, stime 24, start 34437 ticks; statm resident 3389 pages.
  EXPECT_DOUBLE_EQ(Value(m, "lmagent_process_cpu_seconds_total"), 0.35);
  const auto& cpu = m["lmagent_process_cpu_seconds_total"];
  EXPECT_EQ(cpu.kind, protocol::MetricKind::kCounter);
  EXPECT_EQ(cpu.temporality, protocol::Temporality::kCumulative);
  EXPECT_EQ(cpu.start_time_unix_nano, kBootNanos + 344'370'000'000);
  EXPECT_EQ(Value(m, "lmagent_process_resident_memory_bytes"), 3389.0 * kPage);
  EXPECT_EQ(m["lmagent_process_resident_memory_bytes"].kind, protocol::MetricKind::kGauge);
}

TEST(ProcessMetricsCollectorTest, TopEightByRssThenCpuThenPid) {
  Scrape scrape = CollectProcesses(FixtureProc());
  // RSS pages: 1:2643 1302:1000 3073:981 3030:974 1840:758 1833:463 5425:414; then RSS 0
  // ordered by CPU ticks: 81 (135) before 60 (18) and 54 (0), which are omitted.
  EXPECT_EQ(EnumeratedPids(scrape),
            (std::vector<std::string>{"1", "1302", "3073", "3030", "1840", "1833", "5425", "81"}));
  auto m = ByKey(scrape);
  EXPECT_EQ(Value(m, "lightmetrics_host_processes_omitted"), 2);
  EXPECT_EQ(scrape.series.size(), 2u + 16u + 1u);

  const std::string one = "{pid=1}{start_time=26}{comm=process_api}";
  EXPECT_DOUBLE_EQ(Value(m, "lightmetrics_host_process_cpu_seconds_total" + one), 2.61);
  EXPECT_EQ(m["lightmetrics_host_process_cpu_seconds_total" + one].start_time_unix_nano,
            kBootNanos + 260'000'000);
  EXPECT_EQ(Value(m, "lightmetrics_host_process_resident_memory_bytes" + one), 2643.0 * kPage);
  // A command name with spaces and parentheses is kept whole.
  EXPECT_EQ(m.count("lightmetrics_host_process_resident_memory_bytes"
                    "{pid=5425}{start_time=31824}{comm=lm) x (y z}"),
            1u);
  for (const auto& s : scrape.series) EXPECT_LE(s.labels.size(), 3u) << s.name;
}

TEST(ProcessMetricsCollectorTest, ManyProcessesStayCapped) {
  Scrape scrape = CollectProcesses(FixtureProcMany());
  EXPECT_EQ(CountNamed(scrape, "lightmetrics_host_process_cpu_seconds_total"), 8u);
  EXPECT_EQ(CountNamed(scrape, "lightmetrics_host_process_resident_memory_bytes"), 8u);
  auto m = ByKey(scrape);
  EXPECT_EQ(Value(m, "lightmetrics_host_processes_omitted"), 14 - 8);
  EXPECT_EQ(EnumeratedPids(scrape).front(), "1");
}

TEST(ProcessMetricsCollectorTest, RanksBeforeTieBreaks) {
  ProcessStat a;
  a.pid = 10;
  a.utime_ticks = 1;
  a.rss_pages = 5;
  ProcessStat b;
  b.pid = 20;
  b.utime_ticks = 9;
  b.rss_pages = 4;
  EXPECT_TRUE(RanksBefore(a, b));  // more RSS wins over more CPU
  b.rss_pages = 5;
  EXPECT_FALSE(RanksBefore(a, b));  // same RSS: more CPU first
  EXPECT_TRUE(RanksBefore(b, a));
  b.utime_ticks = 0;
  b.stime_ticks = 1;
  EXPECT_TRUE(RanksBefore(a, b));  // same RSS and CPU: smaller PID first
  EXPECT_FALSE(RanksBefore(b, a));
  EXPECT_FALSE(RanksBefore(a, a));
}

// Writes /proc/`pid`/stat (unless `stat_rss_pages` is negative: a process that exited
// after its statm was read) and /proc/`pid`/statm for a process with `cpu_ticks` of user
// time and `statm_rss_pages` resident.
void WriteProcess(ProcCopy& proc, int pid, uint64_t cpu_ticks, uint64_t statm_rss_pages,
                  int64_t stat_rss_pages) {
  const std::string dir = std::to_string(pid);
  proc.Write(dir + "/statm", std::to_string(statm_rss_pages + 100) + " " +
                                 std::to_string(statm_rss_pages) + " 0 0 0 0 0\n");
  if (stat_rss_pages < 0) return;
  proc.Write(dir + "/stat", dir + " (p" + dir + ") S 1 1 1 0 -1 0 0 0 0 0 " +
                                std::to_string(cpu_ticks) + " 0 0 0 20 0 1 0 " +
                                std::to_string(1000 + pid) + " 100 " +
                                std::to_string(stat_rss_pages) + "\n");
}

TEST(ProcessMetricsCollectorTest, RanksByStatmAndBreaksTiesAtTheEighthPlace) {
  ProcCopy proc;  // the fixture's ten processes all have fewer than 3000 resident pages
  // Six clear leaders. 100's stat shows another rss than its statm (it changed between
  // the reads): it is ranked and reported by statm, the value the candidates are chosen by.
  WriteProcess(proc, 100, 1, 9000, 1);
  WriteProcess(proc, 101, 1, 8000, 8000);
  WriteProcess(proc, 102, 1, 7000, 7000);
  WriteProcess(proc, 103, 1, 6000, 6000);
  WriteProcess(proc, 104, 1, 5000, 5000);
  WriteProcess(proc, 105, 1, 4000, 4000);
  // Places 7 to 10 tie on resident pages: more CPU ticks first, then the smaller PID.
  WriteProcess(proc, 203, 10, 3000, 3000);
  WriteProcess(proc, 202, 50, 3000, 3000);
  WriteProcess(proc, 201, 70, 3000, 3000);
  WriteProcess(proc, 200, 50, 3000, 3000);
  // Exits between its statm and its stat read: skipped and not counted.
  WriteProcess(proc, 300, 999, 3000, -1);
  // Cannot reach the first eight, so its stat is never read: seen, hence omitted, although
  // it has no stat file.
  WriteProcess(proc, 401, 999, 10, -1);

  Scrape scrape = CollectProcesses(proc.root());
  EXPECT_EQ(EnumeratedPids(scrape),
            (std::vector<std::string>{"100", "101", "102", "103", "104", "105", "201", "200"}));
  auto m = ByKey(scrape);
  // Seen: the fixture's 10, 100-105, 200-203 and 401.
  EXPECT_EQ(Value(m, "lightmetrics_host_processes_omitted"), 10 + 6 + 4 + 1 - 8);
  EXPECT_EQ(Value(m,
                  "lightmetrics_host_process_resident_memory_bytes{pid=100}{start_time=1100}"
                  "{comm=p100}"),
            9000.0 * kPage);
  EXPECT_DOUBLE_EQ(Value(m,
                         "lightmetrics_host_process_cpu_seconds_total{pid=200}"
                         "{start_time=1200}{comm=p200}"),
                   0.5);
}

TEST(ProcessMetricsCollectorTest, ProcessVanishingBetweenStatmAndStatIsSkipped) {
  ProcCopy proc;
  proc.Remove("1302/stat");  // its statm (1000 pages, second largest) was read
  Scrape scrape = CollectProcesses(proc.root());
  EXPECT_EQ(EnumeratedPids(scrape),
            (std::vector<std::string>{"1", "3073", "3030", "1840", "1833", "5425", "81", "60"}));
  auto m = ByKey(scrape);
  EXPECT_EQ(Value(m, "lightmetrics_host_processes_omitted"), 1);  // 54; 1302 is not counted
}

TEST(ProcessMetricsCollectorTest, UnparsableStatmCountsAsOmitted) {
  ProcCopy proc;
  proc.Write("1302/statm", "garbage\n");
  Scrape scrape = CollectProcesses(proc.root());
  auto pids = EnumeratedPids(scrape);
  EXPECT_EQ(std::count(pids.begin(), pids.end(), "1302"), 0);
  auto m = ByKey(scrape);
  EXPECT_EQ(Value(m, "lightmetrics_host_processes_omitted"), 2);  // 1302 and 54
}

TEST(ProcessMetricsCollectorTest, MissingProcRootOmitsHostSeries) {
  ProcessMetricsOptions options;
  options.proc_root = "/nonexistent-proc-root";
  ProcessMetricsCollector collector(options);
  Scrape scrape = CollectOnce(collector);
  EXPECT_EQ(CountNamed(scrape, "lightmetrics_host_processes_omitted"), 0u);
  EXPECT_EQ(CountNamed(scrape, "lightmetrics_host_process_resident_memory_bytes"), 0u);
}

TEST(ProcessMetricsCollectorTest, RepeatedScrapesGiveTheSameResult) {
  ProcessMetricsOptions options;
  options.proc_root = FixtureProcMany();
  options.ticks_per_second = kHz;
  options.page_size_bytes = kPage;
  ProcessMetricsCollector collector(options);
  Scrape first = CollectOnce(collector);
  Scrape second = CollectOnce(collector);  // reuses the scratch buffers
  ASSERT_EQ(first.series.size(), second.series.size());
  for (size_t i = 0; i < first.series.size(); ++i) {
    EXPECT_EQ(SeriesKey(first.series[i]), SeriesKey(second.series[i]));
  }
}

TEST(ProcessMetricsCollectorTest, UnparsableProcessCountsAsOmitted) {
  ProcCopy proc;
  proc.Write("1302/stat", "1302 no parentheses\n");
  proc.Write("777/stat", "778 (liar) S 1 1 1 0 -1 0 0 0 0 0 5 6 0 0 20 0 1 0 77 100 8\n");
  proc.Write("777/statm", "25 8 0 0 0 0 0\n");
  proc.Mkdir("888");  // vanished: no statm or stat file, not counted
  Scrape scrape = CollectProcesses(proc.root());
  auto pids = EnumeratedPids(scrape);
  EXPECT_EQ(pids.size(), 8u);
  EXPECT_EQ(std::count(pids.begin(), pids.end(), "1302"), 0);
  auto m = ByKey(scrape);
  // 9 good processes (one not reported) + 2 that did not parse.
  EXPECT_EQ(Value(m, "lightmetrics_host_processes_omitted"), 1 + 2);
}

TEST(ProcessMetricsCollectorTest, NoBootTimeOmitsCpuCountersKeepsGauges) {
  ProcCopy proc;
  proc.Write("stat", "cpu  1 2 3 4 5 6 7 8\n");
  Scrape scrape = CollectProcesses(proc.root());
  EXPECT_EQ(CountNamed(scrape, "lmagent_process_cpu_seconds_total"), 0u);
  EXPECT_EQ(CountNamed(scrape, "lightmetrics_host_process_cpu_seconds_total"), 0u);
  EXPECT_EQ(CountNamed(scrape, "lmagent_process_resident_memory_bytes"), 1u);
  EXPECT_EQ(CountNamed(scrape, "lightmetrics_host_process_resident_memory_bytes"), 8u);
  EXPECT_EQ(CountNamed(scrape, "lightmetrics_host_processes_omitted"), 1u);
}

TEST(ProcessMetricsCollectorTest, StartTimeOutOfRangeOmitsThatCounterOnly) {
  ProcCopy proc;
  proc.Write("1/stat",
             "1 (init) S 0 0 0 0 -1 0 0 0 0 0 5 6 0 0 20 0 1 0 18446744073709551615 100 9999\n");
  Scrape scrape = CollectProcesses(proc.root());
  EXPECT_EQ(CountNamed(scrape, "lightmetrics_host_process_cpu_seconds_total"), 7u);
  EXPECT_EQ(CountNamed(scrape, "lightmetrics_host_process_resident_memory_bytes"), 8u);
}

TEST(ProcessMetricsCollectorTest, BrokenSelfOmitsAgentSeries) {
  ProcCopy proc;
  proc.Write("self/stat", "garbage");
  proc.Write("self/statm", "x");
  Scrape scrape = CollectProcesses(proc.root());
  EXPECT_EQ(CountNamed(scrape, "lmagent_process_cpu_seconds_total"), 0u);
  EXPECT_EQ(CountNamed(scrape, "lmagent_process_resident_memory_bytes"), 0u);
  EXPECT_EQ(CountNamed(scrape, "lightmetrics_host_process_resident_memory_bytes"), 8u);
}

TEST(ProcessMetricsCollectorTest, CommIsSanitizedAndCut) {
  ProcCopy proc;
  const std::string comm = "bad\xff" + std::string(100, 'x');
  proc.Write("1/stat", "1 (" + comm + ") S 0 0 0 0 -1 0 0 0 0 0 5 6 0 0 20 0 1 0 26 100 9999\n");
  Scrape scrape = CollectProcesses(proc.root());
  bool found = false;
  for (const auto& s : scrape.series) {
    if (s.labels.size() == 3 && s.labels[0].value == "1") {
      found = true;
      EXPECT_LE(s.labels[2].value.size(), kMaxBuiltinLabelValueBytes);
      EXPECT_TRUE(s.labels[2].value.starts_with("bad\xef\xbf\xbdxxx"));
    }
  }
  EXPECT_TRUE(found);
}

TEST(ProcessMetricsCollectorTest, LiveProcIncludesThisProcess) {
  ProcessMetricsCollector collector(ProcessMetricsOptions{});
  Scrape scrape = CollectOnce(collector);
  EXPECT_EQ(CountNamed(scrape, "lmagent_process_cpu_seconds_total"), 1u);
  auto m = ByKey(scrape);
  EXPECT_GT(Value(m, "lmagent_process_resident_memory_bytes"), 0);
  EXPECT_GE(CountNamed(scrape, "lightmetrics_host_process_resident_memory_bytes"), 1u);
}

}  // namespace
}  // namespace lm::agent
