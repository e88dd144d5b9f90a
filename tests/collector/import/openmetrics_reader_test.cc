#include "collector/import/openmetrics_reader.h"

#include <cmath>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace lm::collector {
namespace {

using ::testing::HasSubstr;
using Kind = OpenMetricsReader::LineKind;

TEST(OpenMetricsReaderTest, SamplesMetadataAndEof) {
  OpenMetricsReader r;
  ImportedSample s;
  EXPECT_EQ(*r.Feed("# HELP http_requests The requests.", &s), Kind::kMetadata);
  EXPECT_EQ(*r.Feed("# TYPE http_requests counter", &s), Kind::kMetadata);
  EXPECT_EQ(*r.Feed("# UNIT http_requests requests", &s), Kind::kMetadata);
  ASSERT_EQ(*r.Feed(R"(http_requests_total{code="200",path="/a \"b\"\\n"} 1027 1700000000.5)", &s),
            Kind::kSample);
  EXPECT_EQ(s.name, "http_requests_total");
  ASSERT_EQ(s.labels.size(), 2u);
  EXPECT_EQ(s.labels[1].key, "path");
  EXPECT_EQ(s.labels[1].value, "/a \"b\"\\n");
  EXPECT_EQ(s.value, 1027);
  EXPECT_EQ(s.time_unix_nano, 1'700'000'000'500'000'000);
  EXPECT_EQ(r.TypeOf("http_requests_total"), "counter");
  EXPECT_EQ(r.TypeOf("other"), "unknown");
  ASSERT_EQ(*r.Feed("up 1 1700000000", &s), Kind::kSample);
  EXPECT_TRUE(s.labels.empty());
  ASSERT_EQ(*r.Feed("temp{} -Inf 1700000001 # {trace_id=\"x\"} 1 1700000001", &s), Kind::kSample);
  EXPECT_TRUE(std::isinf(s.value));
  ASSERT_EQ(*r.Feed("x NaN 1", &s), Kind::kSample);
  EXPECT_TRUE(std::isnan(s.value));
  EXPECT_FALSE(r.done());
  EXPECT_EQ(*r.Feed("# EOF", &s), Kind::kEof);
  EXPECT_TRUE(r.done());
  auto after = r.Feed("up 1 2", &s);
  ASSERT_FALSE(after.ok());
  EXPECT_THAT(after.error().message(), HasSubstr("after # EOF"));
}

TEST(OpenMetricsReaderTest, MalformedLinesNameTheLine) {
  for (const char* bad :
       {"up 1", "up x 1", "up 1 -5", "up 1 NaN", "1up 1 1", "up{a=1} 1 1", "up{a=\"1} 1 1",
        "up{a=\"\\q\"} 1 1", "# COMMENT x", "", "up{a=\"1\"}1 1"}) {
    OpenMetricsReader r;
    ImportedSample s;
    auto k = r.Feed(bad, &s);
    ASSERT_FALSE(k.ok()) << bad;
    EXPECT_THAT(k.error().message(), HasSubstr("line 1:")) << bad;
  }
}

}  // namespace
}  // namespace lm::collector
