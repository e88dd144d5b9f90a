#include "agent/collectors/proc_parsers.h"

#include <gtest/gtest.h>

#include <string>

#include "common/file_util.h"

namespace lm::agent {
namespace {

std::string Fixture(const std::string& name) {
  auto text = ReadFile(std::string(LM_TEST_DATA_DIR) + "/fixtures/proc/" + name);
  EXPECT_TRUE(text.ok()) << text.status().ToString();
  return text.ok() ? *text : "";
}

TEST(ProcParsersTest, StatFixture) {
  auto stat = ParseProcStat(Fixture("stat"));
  ASSERT_TRUE(stat.ok()) << stat.status().ToString();
  // cpu  11298 0 3546 98462 406 0 120 950 0 0
  EXPECT_EQ(stat->cpu.user, 11298u);
  EXPECT_EQ(stat->cpu.nice, 0u);
  EXPECT_EQ(stat->cpu.system, 3546u);
  EXPECT_EQ(stat->cpu.idle, 98462u);
  EXPECT_EQ(stat->cpu.iowait, 406u);
  EXPECT_EQ(stat->cpu.irq, 0u);
  EXPECT_EQ(stat->cpu.softirq, 120u);
  EXPECT_EQ(stat->cpu.steal, 950u);
  EXPECT_EQ(stat->boot_time_unix_seconds, 1796326945);
}

TEST(ProcParsersTest, StatRejectsMissingOrMalformedLines) {
  const char* bad[] = {
      "",
      "cpu0 1 2 3 4 5 6 7 8\nbtime 100\n",                   // no aggregate line
      "cpu  1 2 3 4 5 6 7\nbtime 100\n",                     // too few fields
      "cpu  1 2 3 x 5 6 7 8\nbtime 100\n",                   // not a number
      "cpu  1 2 3 -4 5 6 7 8\nbtime 100\n",                  // negative
      "cpu  1 2 3 99999999999999999999 5 6 7 8\nbtime 1\n",  // overflow
      "cpu  1 2 3 4 5 6 7 8\n",                              // no btime
      "cpu  1 2 3 4 5 6 7 8\nbtime 0\n",
      "cpu  1 2 3 4 5 6 7 8\nbtime soon\n",
  };
  for (const char* text : bad) {
    auto stat = ParseProcStat(text);
    EXPECT_FALSE(stat.ok()) << text;
    if (!stat.ok()) {
      EXPECT_EQ(stat.error().code(), StatusCode::kInvalidArgument);
    }
  }
}

TEST(ProcParsersTest, StatToleratesTabsAndNoTrailingNewline) {
  auto stat = ParseProcStat("cpu\t1 2 3 4 5 6 7 8 9 10\nbtime 42");
  ASSERT_TRUE(stat.ok()) << stat.status().ToString();
  EXPECT_EQ(stat->cpu.user, 1u);
  EXPECT_EQ(stat->cpu.steal, 8u);
  EXPECT_EQ(stat->boot_time_unix_seconds, 42);
}

TEST(ProcParsersTest, MemInfoFixture) {
  auto mem = ParseMemInfo(Fixture("meminfo"));
  ASSERT_TRUE(mem.ok()) << mem.status().ToString();
  ASSERT_TRUE(mem->total_bytes.has_value());
  ASSERT_TRUE(mem->available_bytes.has_value());
  EXPECT_EQ(*mem->total_bytes, 24683664ull * 1024);      // MemTotal: 24683664 kB
  EXPECT_EQ(*mem->available_bytes, 23129988ull * 1024);  // MemAvailable: 23129988 kB
}

TEST(ProcParsersTest, MemInfoMissingKeyIsAbsentMalformedKeyIsError) {
  auto old_kernel = ParseMemInfo("MemTotal: 100 kB\nMemFree: 50 kB\n");
  ASSERT_TRUE(old_kernel.ok());
  EXPECT_EQ(old_kernel->total_bytes, 102400u);
  EXPECT_FALSE(old_kernel->available_bytes.has_value());

  EXPECT_FALSE(ParseMemInfo("MemTotal: lots kB\n").ok());
  EXPECT_FALSE(ParseMemInfo("MemTotal: 100 MB\n").ok());
  EXPECT_FALSE(ParseMemInfo("MemAvailable: 100\n").ok());
  EXPECT_FALSE(ParseMemInfo("MemTotal: 18446744073709551615 kB\n").ok());
  // Keys this parser does not need are not interpreted.
  EXPECT_TRUE(ParseMemInfo("HugePages_Total: 0\nMemTotal: 1 kB\n").ok());
}

TEST(ProcParsersTest, LoadAverageFixture) {
  auto load = ParseLoadAverage(Fixture("loadavg"));  // 0.72 0.35 0.15 2/98 4781
  ASSERT_TRUE(load.ok()) << load.status().ToString();
  EXPECT_DOUBLE_EQ(load->load1, 0.72);
  EXPECT_DOUBLE_EQ(load->load5, 0.35);
  EXPECT_DOUBLE_EQ(load->load15, 0.15);
}

TEST(ProcParsersTest, LoadAverageRejectsGarbage) {
  for (const char* text :
       {"", "0.1 0.2", "0.1 x 0.3 1/2 3", "-1 0 0 1/1 1", "nan 0 0 1/1 1", "inf 0 0 1/1 1"}) {
    EXPECT_FALSE(ParseLoadAverage(text).ok()) << text;
  }
}

}  // namespace
}  // namespace lm::agent
