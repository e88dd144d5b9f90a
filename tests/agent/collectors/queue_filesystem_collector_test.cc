#include "agent/collectors/queue_filesystem_collector.h"

#include <gtest/gtest.h>

#include "tests/agent/collectors/collector_test_util.h"

namespace lm::agent {
namespace {

TEST(QueueFilesystemCollectorTest, SizeAndAvailOfTheQueueDirectory) {
  TempDir dir;
  QueueFilesystemCollector collector(dir.Path(""));
  Scrape scrape = CollectOnce(collector);
  auto m = ByKey(scrape);
  ASSERT_EQ(m.size(), 2u);
  double size = Value(m, "lmagent_queue_filesystem_size_bytes");
  double avail = Value(m, "lmagent_queue_filesystem_avail_bytes");
  EXPECT_GT(size, 0);
  EXPECT_GE(avail, 0);
  EXPECT_LE(avail, size);
  EXPECT_EQ(m["lmagent_queue_filesystem_size_bytes"].kind, protocol::MetricKind::kGauge);
  EXPECT_EQ(m["lmagent_queue_filesystem_size_bytes"].unit, "bytes");
}

TEST(QueueFilesystemCollectorTest, MissingDirectoryOmitsBoth) {
  TempDir dir;
  QueueFilesystemCollector collector(dir.Path("missing/queue"));
  EXPECT_TRUE(CollectOnce(collector).series.empty());
}

}  // namespace
}  // namespace lm::agent
