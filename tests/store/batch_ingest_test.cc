#include "store/batch_ingest.h"

#include <gtest/gtest.h>

#include <limits>

#include "store/mem_store.h"

namespace lm::store {
namespace {

TEST(BatchIngestTest, ScalarAndHistogramSeries) {
  protocol::Batch b;
  b.identity.agent_id = "host-a";
  protocol::MetricSeries up;
  up.name = "lmagent_up";
  up.labels = {{"agent_id", "spoofed"}};
  up.samples = {{2'000'000'000, 1}};
  b.series.push_back(up);
  protocol::MetricSeries h;
  h.name = "lat";
  h.kind = protocol::MetricKind::kHistogram;
  protocol::HistogramSample hs;
  hs.time_unix_nano = 3'000'000'000;
  hs.buckets = {{0.1, 1}, {std::numeric_limits<double>::infinity(), 4}};
  hs.sum = 2.5;
  hs.count = 4;
  h.histogram_samples = {hs};
  b.series.push_back(h);

  MemStore st;
  IngestBatchMetrics(b, &st);
  EXPECT_EQ(st.NumSeries(), 5u);
  auto all =
      st.Select({Matcher::Create(MatchType::kEqual, "agent_id", "host-a").value()}, 0, 1'000'000);
  ASSERT_TRUE(all.ok());
  std::vector<std::string> names;
  for (const auto& s : *all) names.push_back(s->labels().ToString());
  EXPECT_EQ(names, (std::vector<std::string>{
                       "lat_bucket{agent_id=\"host-a\", le=\"+Inf\"}",
                       "lat_bucket{agent_id=\"host-a\", le=\"0.1\"}",
                       "lat_count{agent_id=\"host-a\"}",
                       "lat_sum{agent_id=\"host-a\"}",
                       "lmagent_up{agent_id=\"host-a\", exported_agent_id=\"spoofed\"}",
                   }));
  auto it = (*all)[4]->Iterator();
  ASSERT_TRUE(it->Next());
  EXPECT_EQ(it->t(), 2000);
  EXPECT_EQ(it->v(), 1);
}

}  // namespace
}  // namespace lm::store

namespace lm::store {
namespace {

TEST(BatchIngestKeyTest, SeriesThatDifferOnlyInWhereBytesSplitStayApart) {
  MemStore st;
  protocol::Batch b;
  b.identity = {"a", "boot", 1, 1};
  protocol::MetricSeries one;
  one.name = "m";
  one.labels = {{"k", std::string("x\0y", 3)}};
  one.samples = {{1'000'000, 1}};
  protocol::MetricSeries two;
  two.name = "m";
  two.labels = {{"k", "x"}, {"y", ""}};
  two.samples = {{1'000'000, 2}};
  b.series = {one, two, one};
  IngestBatchMetrics(b, &st);
  EXPECT_EQ(st.NumSeries(), 2u);
  EXPECT_EQ(st.NumSamples(), 2u);
}

}  // namespace
}  // namespace lm::store
