#include "objectstore/manifest.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "objectstore/object_layout.h"

namespace lm::objectstore {
namespace {

using ::testing::HasSubstr;

protocol::Batch SampleBatch() {
  protocol::Batch b;
  b.identity = {"host-a", "boot-1", 5, 6};
  protocol::MetricSeries s;
  s.name = "lmagent_up";
  s.samples.push_back({2'000'000'000, 1});
  s.samples.push_back({3'000'000'000, 1});
  b.series.push_back(s);
  b.logs.push_back({1'000'000'000, protocol::Severity::kInfo, "t", "m", {}});
  return b;
}

TEST(ManifestTest, MakeEncodeDecodeRoundTrip) {
  const std::string sha(64, 'a');
  AcceptedManifest m = MakeManifest(SampleBatch(), sha, 321, 1796328939896, "collector-1");
  EXPECT_EQ(m.blob_key, RawBlobKey(sha));
  EXPECT_EQ(m.series, 1u);
  EXPECT_EQ(m.samples, 2u);
  EXPECT_EQ(m.logs, 1u);
  EXPECT_EQ(m.alerts, 0u);
  EXPECT_EQ(m.min_time_unix_ms, 1000);
  EXPECT_EQ(m.max_time_unix_ms, 3000);
  std::string text = EncodeManifest(m);
  EXPECT_THAT(text, HasSubstr("\"format\":1"));
  auto back = DecodeManifest(text);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, m);
}

TEST(ManifestTest, DecodeRefusesWhatItCannotTrust) {
  const std::string sha(64, 'b');
  std::string good = EncodeManifest(MakeManifest(SampleBatch(), sha, 1, 1, "c"));
  auto with = [&](const std::string& from, const std::string& to) {
    std::string t = good;
    size_t at = t.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return t.replace(at, from.size(), to);
  };
  for (const std::string& bad :
       {std::string("nope"), std::string("[]"), with("\"format\":1", "\"format\":2"),
        with("\"agent_id\":\"host-a\"", "\"agent_id\":7"),
        with("\"agent_id\":\"host-a\"", "\"agent_id\":\"\""), with(sha, std::string(64, 'B')),
        with("\"blob\":\"raw/v1/bb/", "\"blob\":\"raw/v1/cc/"),
        with("\"frame_bytes\":1", "\"frame_bytes\":-1"), good.substr(0, good.size() - 1)}) {
    auto m = DecodeManifest(bad);
    ASSERT_FALSE(m.ok()) << bad;
    EXPECT_EQ(m.error().code(), StatusCode::kDataLoss) << bad;
    EXPECT_THAT(m.error().message(), HasSubstr("accepted manifest")) << bad;
  }
}

}  // namespace
}  // namespace lm::objectstore
