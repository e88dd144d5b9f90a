#include "agent/collectors/proc_parsers.h"

#include <gtest/gtest.h>

#include <string>

#include "common/file_util.h"

namespace lm::agent {
namespace {

std::string Fixture(const std::string& name) {
  auto text = ReadFile(std::string(LM_TEST_DATA_DIR) + "/fixtures/" + name);
  EXPECT_TRUE(text.ok()) << text.status().ToString();
  return text.ok() ? *text : "";
}

void ExpectInvalid(const Status& s, const std::string& what) {
  EXPECT_FALSE(s.ok()) << what;
  if (!s.ok()) {
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << what;
  }
}

TEST(ParseCpuStatTest, FixtureAggregateAndCores) {
  auto stat = ParseCpuStat(Fixture("proc/stat"));
  ASSERT_TRUE(stat.ok()) << stat.status().ToString();
  // cpu  11298 0 3546 98462 406 0 120 950 0 0
  EXPECT_EQ(stat->total.user, 11298u);
  EXPECT_EQ(stat->total.nice, 0u);
  EXPECT_EQ(stat->total.system, 3546u);
  EXPECT_EQ(stat->total.idle, 98462u);
  EXPECT_EQ(stat->total.iowait, 406u);
  EXPECT_EQ(stat->total.irq, 0u);
  EXPECT_EQ(stat->total.softirq, 120u);
  EXPECT_EQ(stat->total.steal, 950u);
  ASSERT_EQ(stat->cores.size(), 2u);
  EXPECT_EQ(stat->cores[0].cpu, 0u);
  EXPECT_EQ(stat->cores[0].ticks.user, 4674u);
  EXPECT_EQ(stat->cores[1].cpu, 1u);
  EXPECT_EQ(stat->cores[1].ticks.steal, 469u);
}

TEST(ParseCpuStatTest, SixteenCoreFixtureKeepsFileOrder) {
  auto stat = ParseCpuStat(Fixture("proc-many/stat"));
  ASSERT_TRUE(stat.ok()) << stat.status().ToString();
  ASSERT_EQ(stat->cores.size(), 16u);
  for (uint32_t i = 0; i < 16; ++i) EXPECT_EQ(stat->cores[i].cpu, i);
  EXPECT_EQ(stat->cores[15].ticks.user, 22964u);
}

TEST(ParseCpuStatTest, OfflineCpusAreAbsentNotAnError) {
  auto stat = ParseCpuStat("cpu  1 2 3 4 5 6 7 8\ncpu0 1 1 1 1 1 1 1 1\ncpu3 2 2 2 2 2 2 2 2\n");
  ASSERT_TRUE(stat.ok()) << stat.status().ToString();
  ASSERT_EQ(stat->cores.size(), 2u);
  EXPECT_EQ(stat->cores[1].cpu, 3u);
}

TEST(ParseCpuStatTest, RejectsMissingOrMalformedLines) {
  const char* bad[] = {
      "",
      "cpu0 1 2 3 4 5 6 7 8\n",                                              // no aggregate line
      "cpu  1 2 3 4 5 6 7\n",                                                // too few fields
      "cpu  1 2 3 x 5 6 7 8\n",                                              // not a number
      "cpu  1 2 3 -4 5 6 7 8\n",                                             // negative
      "cpu  1 2 3 99999999999999999999 5 6 7 8\n",                           // overflow
      "cpu  1 2 3 4 5 6 7 8\ncpu  1 2 3 4 5 6 7 8\n",                        // aggregate twice
      "cpu  1 2 3 4 5 6 7 8\ncpu0 1 2 3 4 5 6 7\n",                          // short core line
      "cpu  1 2 3 4 5 6 7 8\ncpu0 1 2 3 4 5 6 7 8\ncpu0 1 2 3 4 5 6 7 8\n",  // core twice
  };
  for (const char* text : bad) ExpectInvalid(ParseCpuStat(text).status(), text);
}

TEST(ParseCpuStatTest, ToleratesTabsAndNoTrailingNewline) {
  auto stat = ParseCpuStat("cpu\t1 2 3 4 5 6 7 8 9 10");
  ASSERT_TRUE(stat.ok()) << stat.status().ToString();
  EXPECT_EQ(stat->total.user, 1u);
  EXPECT_EQ(stat->total.steal, 8u);
  EXPECT_TRUE(stat->cores.empty());
}

TEST(ParseBootTimeTest, FixtureAndMalformed) {
  auto boot = ParseBootTime(Fixture("proc/stat"));
  ASSERT_TRUE(boot.ok()) << boot.status().ToString();
  EXPECT_EQ(*boot, 1796326945);
  for (const char* text : {"cpu  1 2 3 4 5 6 7 8\n", "btime 0\n", "btime soon\n", "btime -5\n",
                           "btime 1 2\n", "btime 99999999999\n"}) {
    ExpectInvalid(ParseBootTime(text).status(), text);
  }
  auto tab = ParseBootTime("ctxt 1\nbtime\t42");
  ASSERT_TRUE(tab.ok());
  EXPECT_EQ(*tab, 42);
}

TEST(ParseMemInfoTest, Fixture) {
  auto mem = ParseMemInfo(Fixture("proc/meminfo"));
  ASSERT_TRUE(mem.ok()) << mem.status().ToString();
  ASSERT_TRUE(mem->total_bytes.has_value());
  ASSERT_TRUE(mem->available_bytes.has_value());
  EXPECT_EQ(*mem->total_bytes, 24683664ull * 1024);      // MemTotal: 24683664 kB
  EXPECT_EQ(*mem->available_bytes, 23129988ull * 1024);  // MemAvailable: 23129988 kB
}

TEST(ParseMemInfoTest, MissingKeyIsAbsentMalformedKeyIsError) {
  auto old_kernel = ParseMemInfo("MemTotal: 100 kB\nMemFree: 50 kB\n");
  ASSERT_TRUE(old_kernel.ok());
  EXPECT_EQ(old_kernel->total_bytes, 102400u);
  EXPECT_FALSE(old_kernel->available_bytes.has_value());

  for (const char* text : {"MemTotal: lots kB\n", "MemTotal: 100 MB\n", "MemAvailable: 100\n",
                           "MemTotal: 18446744073709551615 kB\n"}) {
    ExpectInvalid(ParseMemInfo(text).status(), text);
  }
  // Keys this parser does not need are not interpreted.
  EXPECT_TRUE(ParseMemInfo("HugePages_Total: 0\nMemTotal: 1 kB\n").ok());
}

TEST(ParseLoadAverageTest, FixtureAndGarbage) {
  auto load = ParseLoadAverage(Fixture("proc/loadavg"));  // 0.72 0.35 0.15 2/98 4781
  ASSERT_TRUE(load.ok()) << load.status().ToString();
  EXPECT_DOUBLE_EQ(load->load1, 0.72);
  EXPECT_DOUBLE_EQ(load->load5, 0.35);
  EXPECT_DOUBLE_EQ(load->load15, 0.15);
  for (const char* text :
       {"", "0.1 0.2", "0.1 x 0.3 1/2 3", "-1 0 0 1/1 1", "nan 0 0 1/1 1", "inf 0 0 1/1 1"}) {
    ExpectInvalid(ParseLoadAverage(text).status(), text);
  }
}

TEST(ParseNetDevTest, FixtureDevicesInFileOrder) {
  auto devs = ParseNetDev(Fixture("proc/net/dev"));
  ASSERT_TRUE(devs.ok()) << devs.status().ToString();
  ASSERT_EQ(devs->size(), 4u);
  EXPECT_EQ((*devs)[0].device, "lo");
  EXPECT_EQ((*devs)[3].device, "eth0");
  EXPECT_EQ((*devs)[3].receive_bytes, 20068464u);
  EXPECT_EQ((*devs)[3].transmit_bytes, 29579u);
}

TEST(ParseNetDevTest, NameGluedToCountersAndBlankLines) {
  // A long name leaves no space before the first counter.
  auto devs =
      ParseNetDev("Inter-| x\n face |y\n\nveth1a2b3c4:777 7 0 0 0 0 0 0 999 9 0 0 0 0 0 0\n");
  ASSERT_TRUE(devs.ok()) << devs.status().ToString();
  ASSERT_EQ(devs->size(), 1u);
  EXPECT_EQ((*devs)[0].device, "veth1a2b3c4");
  EXPECT_EQ((*devs)[0].receive_bytes, 777u);
  EXPECT_EQ((*devs)[0].transmit_bytes, 999u);
}

TEST(ParseNetDevTest, RejectsMalformedDeviceLines) {
  const std::string counters = " 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n";
  const std::string bad[] = {
      "eth0" + counters,                                 // no colon
      ":" + counters,                                    // empty name
      "a b:" + counters,                                 // two names
      "eth0: 1 2 3\n",                                   // too few counters
      "eth0: 1 2 3 4 5 6 7 8 x 10 11 12 13 14 15 16\n",  // not a number
      "eth0:" + counters + "eth0:" + counters,           // repeats
  };
  for (const std::string& text : bad) ExpectInvalid(ParseNetDev(text).status(), text);
}

TEST(ParseProcessStatTest, FixtureFields) {
  auto p = ParseProcessStat(Fixture("proc/1/stat"));
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->pid, 1);
  EXPECT_EQ(p->comm, "process_api");
  EXPECT_EQ(p->utime_ticks, 37u);
  EXPECT_EQ(p->stime_ticks, 224u);
  EXPECT_EQ(p->start_time_ticks, 26u);
  EXPECT_EQ(p->rss_pages, 2643u);
}

TEST(ParseProcessStatTest, CommWithSpacesAndParentheses) {
  auto p = ParseProcessStat(Fixture("proc/5425/stat"));  // 5425 (lm) x (y z) S ...
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->comm, "lm) x (y z");
  EXPECT_EQ(p->start_time_ticks, 31824u);
  EXPECT_EQ(p->rss_pages, 414u);
}

TEST(ParseProcessStatTest, RejectsMalformed) {
  const std::string tail = " S 1 1 1 0 -1 0 0 0 0 0 5 6 0 0 20 0 1 0 77 100 8";
  const std::string bad[] = {
      "12 comm" + tail,                                            // no parentheses
      "x (a)" + tail,                                              // pid not a number
      "0 (a)" + tail,                                              // pid not positive
      "12 (a) S 1 1 1",                                            // too few fields
      "12 (a) S 1 1 1 0 -1 0 0 0 0 0 -5 6 0 0 20 0 1 0 77 100 8",  // negative utime
      "12 (a) S 1 1 1 0 -1 0 0 0 0 0 5 6 0 0 20 0 1 0 77 100 x",   // rss not a number
  };
  for (const std::string& text : bad) ExpectInvalid(ParseProcessStat(text).status(), text);
  auto ok = ParseProcessStat("12 (a)" + tail + "\n");
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->utime_ticks, 5u);
  EXPECT_EQ(ok->rss_pages, 8u);
}

TEST(ParseStatmTest, ResidentPages) {
  auto pages = ParseStatmResidentPages(Fixture("proc/self/statm"));  // 4141 3389 ...
  ASSERT_TRUE(pages.ok());
  EXPECT_EQ(*pages, 3389u);
  EXPECT_EQ(*ParseStatmResidentPages(" 4141\t 77 0"), 77u);
  EXPECT_EQ(*ParseStatmResidentPages("0 0 0 0 0 0 0\n"), 0u);  // a kernel thread or zombie
  for (const char* text : {"", "4141", "4141 x", "-1 2", "4141\n2", "4141 2x", " \t"}) {
    ExpectInvalid(ParseStatmResidentPages(text).status(), text);
  }
}

TEST(TicksAfterBootTest, ConvertsAndRejectsOverflow) {
  const int64_t boot = 1'000'000'000LL * 1'000'000'000;
  auto t = TicksAfterBootToUnixNanos(boot, 250, 100);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(*t, boot + 2'500'000'000);
  ExpectInvalid(TicksAfterBootToUnixNanos(boot, UINT64_MAX, 100).status(), "overflow");
  ExpectInvalid(TicksAfterBootToUnixNanos(0, 1, 100).status(), "boot 0");
  ExpectInvalid(TicksAfterBootToUnixNanos(boot, 1, 0).status(), "hz 0");
  ExpectInvalid(TicksAfterBootToUnixNanos(boot, 1, 2'000'000'000).status(), "hz too big");
}

}  // namespace
}  // namespace lm::agent
