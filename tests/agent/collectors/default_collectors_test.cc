#include "agent/collectors/default_collectors.h"

#include <gtest/gtest.h>

#include "tests/agent/collectors/collector_test_util.h"

namespace lm::agent {
namespace {

Scrape CollectAll(const std::vector<CollectorPtr>& collectors) {
  Scrape scrape;
  for (const auto& c : collectors) EXPECT_TRUE(c->Collect(ScrapeContext{kNow}, &scrape).ok());
  return scrape;
}

TEST(DefaultCollectorsTest, ScrapeOrder) {
  TempDir dir;
  DefaultCollectorOptions options;
  options.proc_root = FixtureProc();
  options.queue_dir = dir.Path("");
  auto collectors = MakeDefaultCollectors(options);
  ASSERT_EQ(collectors.size(), 4u);
  EXPECT_EQ(collectors[0]->Name(), "heartbeat");
  EXPECT_EQ(collectors[1]->Name(), "host_metrics");
  EXPECT_EQ(collectors[2]->Name(), "queue_filesystem");
  EXPECT_EQ(collectors[3]->Name(), "processes");

  options.queue_dir.clear();
  EXPECT_EQ(MakeDefaultCollectors(options).size(), 3u);
}

// A host with more CPUs, devices and processes than every cap fills the budget exactly.
TEST(DefaultCollectorsTest, BigHostFillsTheSeriesBudgetExactly) {
  TempDir dir;
  DefaultCollectorOptions options;
  options.proc_root = FixtureProcMany();
  options.queue_dir = dir.Path("");
  Scrape scrape = CollectAll(MakeDefaultCollectors(options));
  EXPECT_EQ(scrape.series.size(), kMaxDefaultSeriesPerScrape);
  size_t max_labels = 0;
  for (const auto& s : scrape.series) {
    max_labels = std::max(max_labels, s.labels.size());
    for (const auto& l : s.labels) {
      EXPECT_LE(l.key.size(), 14u) << s.name;
      EXPECT_LE(l.value.size(), 64u) << s.name;
    }
  }
  EXPECT_EQ(max_labels, kMaxDefaultLabelsPerSeries);
  ByKey(scrape);  // no series twice
  ASSERT_EQ(scrape.logs.size(), 1u);
  EXPECT_LE(scrape.logs[0].attributes.size(), 4u);
}

TEST(DefaultCollectorsTest, LiveHostStaysWithinBudget) {
  TempDir dir;
  DefaultCollectorOptions options;
  options.queue_dir = dir.Path("");
  Scrape scrape = CollectAll(MakeDefaultCollectors(options));
  EXPECT_LE(scrape.series.size(), kMaxDefaultSeriesPerScrape);
  EXPECT_GE(scrape.series.size(), 1u + 8u + 5u + 2u + 2u + 1u);
  ByKey(scrape);
}

}  // namespace
}  // namespace lm::agent
