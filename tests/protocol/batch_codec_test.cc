#include "protocol/batch_codec.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "common/crc32c.h"
#include "tests/protocol/sample_batch.h"

namespace lm::protocol {
namespace {

std::string GoldenPath(const std::string& name) {
  return std::string(LM_TEST_DATA_DIR) + "/golden/" + name;
}

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(BatchCodecTest, RoundTripsEveryField) {
  Batch b = SampleBatch();
  std::string frame = EncodeBatchFrame(b);
  auto decoded = DecodeBatchFrame(frame, DecodeLimits{});
  ASSERT_TRUE(decoded.ok()) << decoded.error().ToString();
  EXPECT_EQ(*decoded, b);
}

// The golden frame pins the wire format: the encoder must produce these bytes and the
// decoder must read them. Regenerate only for a deliberate format change, with
// LM_UPDATE_GOLDEN=1, and document the change in docs/protocol.md.
TEST(BatchCodecTest, GoldenFrameV1) {
  std::string frame = EncodeBatchFrame(SampleBatch());
  std::string path = GoldenPath("sample_batch_v1.frame");
  if (std::getenv("LM_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(path, std::ios::binary) << frame;
  }
  std::string golden = ReadBytes(path);
  ASSERT_FALSE(golden.empty()) << path;
  EXPECT_EQ(frame, golden);
  auto decoded = DecodeBatchFrame(golden, DecodeLimits{});
  ASSERT_TRUE(decoded.ok()) << decoded.error().ToString();
  EXPECT_EQ(*decoded, SampleBatch());
}

TEST(BatchCodecTest, ZstdFramesRoundTrip) {
  Batch b = SampleBatch();
  std::string frame = EncodeBatchFrame(b, Compression::kZstd, 3);
  EXPECT_EQ(frame[10], 1);
  EXPECT_LT(frame.size(), EncodeBatchFrame(b).size());
  auto decoded = DecodeBatchFrame(frame, DecodeLimits{});
  ASSERT_TRUE(decoded.ok()) << decoded.error().ToString();
  EXPECT_EQ(*decoded, b);
  // Limits apply to the decompressed message.
  DecodeLimits tight;
  tight.max_frame_bytes = frame.size() + 1;
  auto r = DecodeBatchFrame(frame, tight);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, DecodeErrorKind::kFrameTooLarge);
}

// A zstd frame written once by this encoder: every later decoder must read it.
TEST(BatchCodecTest, GoldenZstdFrameV1) {
  std::string path = GoldenPath("sample_batch_v1_zstd.frame");
  if (std::getenv("LM_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(path, std::ios::binary) << EncodeBatchFrame(SampleBatch(), Compression::kZstd);
  }
  std::string golden = ReadBytes(path);
  ASSERT_FALSE(golden.empty()) << path;
  auto decoded = DecodeBatchFrame(golden, DecodeLimits{});
  ASSERT_TRUE(decoded.ok()) << decoded.error().ToString();
  EXPECT_EQ(*decoded, SampleBatch());
}

TEST(BatchCodecTest, GoldenRejectionsStayRejected) {
  // Golden frames that must be rejected, with the reason they must be rejected for.
  struct G {
    const char* file;
    DecodeErrorKind kind;
  } cases[] = {
      {"bad_crc_v1.frame", DecodeErrorKind::kCrcMismatch},
      {"version2.frame", DecodeErrorKind::kUnsupportedVersion},
      // The zstd flag on a payload that is not zstd.
      {"zstd_flag.frame", DecodeErrorKind::kDecompressionFailed},
  };
  std::string frame = EncodeBatchFrame(SampleBatch());
  if (std::getenv("LM_UPDATE_GOLDEN") != nullptr) {
    std::string bad = frame;
    bad[bad.size() - 1] ^= 0x40;
    std::ofstream(GoldenPath("bad_crc_v1.frame"), std::ios::binary) << bad;
    std::string v2 = frame;
    v2[8] = 2;
    std::ofstream(GoldenPath("version2.frame"), std::ios::binary) << v2;
    std::string z = frame;
    z[10] = 1;
    std::ofstream(GoldenPath("zstd_flag.frame"), std::ios::binary) << z;
  }
  for (const G& g : cases) {
    std::string bytes = ReadBytes(GoldenPath(g.file));
    ASSERT_FALSE(bytes.empty()) << g.file;
    auto r = DecodeBatchFrame(bytes, DecodeLimits{});
    ASSERT_FALSE(r.ok()) << g.file;
    EXPECT_EQ(r.error().kind, g.kind) << g.file << ": " << r.error().ToString();
  }
}

struct LimitCase {
  const char* rule;
  void (*limit)(DecodeLimits*);
};

TEST(BatchCodecTest, EveryLimitIsEnforcedAndNamed) {
  const LimitCase cases[] = {
      {"max_series_per_batch", [](DecodeLimits* l) { l->max_series_per_batch = 2; }},
      {"max_labels_per_series", [](DecodeLimits* l) { l->max_labels_per_series = 0; }},
      {"max_label_key_bytes", [](DecodeLimits* l) { l->max_label_key_bytes = 3; }},
      {"max_label_value_bytes", [](DecodeLimits* l) { l->max_label_value_bytes = 3; }},
      {"max_logs_per_batch", [](DecodeLimits* l) { l->max_logs_per_batch = 0; }},
      {"max_log_message_bytes", [](DecodeLimits* l) { l->max_log_message_bytes = 4; }},
      {"max_alerts_per_batch", [](DecodeLimits* l) { l->max_alerts_per_batch = 0; }},
      {"max_buckets_per_histogram", [](DecodeLimits* l) { l->max_buckets_per_histogram = 2; }},
      {"max_frame_bytes", [](DecodeLimits* l) { l->max_frame_bytes = 100; }},
  };
  std::string frame = EncodeBatchFrame(SampleBatch());
  for (const LimitCase& c : cases) {
    DecodeLimits limits;
    c.limit(&limits);
    auto r = DecodeBatchFrame(frame, limits);
    ASSERT_FALSE(r.ok()) << c.rule;
    EXPECT_EQ(r.error().rule, c.rule) << r.error().ToString();
    EXPECT_NE(r.error().ToString().find(c.rule), std::string::npos);
  }
}

TEST(BatchCodecTest, SamplesPerSeriesLimit) {
  Batch b = SampleBatch();
  b.series[0].samples.resize(5, Sample{1, 1});
  DecodeLimits limits;
  limits.max_samples_per_series = 4;
  auto r = DecodeBatchFrame(EncodeBatchFrame(b), limits);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().rule, "max_samples_per_series");
}

TEST(BatchCodecTest, InvalidFieldsAreRejected) {
  struct C {
    const char* rule;
    void (*mutate)(Batch*);
  } cases[] = {
      {"agent_id", [](Batch* b) { b->identity.agent_id.clear(); }},
      {"boot_id", [](Batch* b) { b->identity.boot_id.clear(); }},
      {"seq_range", [](Batch* b) { b->identity.seq_end = 1; }},
      {"metric_name", [](Batch* b) { b->series[0].name = "1bad"; }},
      {"label_name", [](Batch* b) { b->series[1].labels[0].key = "bad-key"; }},
      {"label_name", [](Batch* b) { b->series[1].labels[0].key = "__name__"; }},
      {"duplicate_label", [](Batch* b) { b->series[1].labels.push_back(b->series[1].labels[0]); }},
      {"timestamp", [](Batch* b) { b->series[0].samples[0].time_unix_nano = 0; }},
      {"histogram_samples", [](Batch* b) { b->series[0].kind = MetricKind::kHistogram; }},
      {"alert_name", [](Batch* b) { b->alerts[0].name.clear(); }},
  };
  for (const C& c : cases) {
    Batch b = SampleBatch();
    c.mutate(&b);
    auto r = DecodeBatchFrame(EncodeBatchFrame(b), DecodeLimits{});
    ASSERT_FALSE(r.ok()) << c.rule;
    EXPECT_EQ(r.error().kind, DecodeErrorKind::kInvalidField);
    EXPECT_EQ(r.error().rule, c.rule) << r.error().ToString();
  }
}

TEST(BatchCodecTest, MalformedPayloadWithValidCrc) {
  std::string garbage(64, '\xff');
  auto r = DecodeBatchFrame(EncodeFrame(garbage), DecodeLimits{});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, DecodeErrorKind::kMalformedPayload);
  auto odd = DecodeBatchFrame(EncodeFrame("abc"), DecodeLimits{});
  ASSERT_FALSE(odd.ok());
  EXPECT_EQ(odd.error().kind, DecodeErrorKind::kMalformedPayload);
}

TEST(BatchCodecTest, UnalignedBufferDecodes) {
  std::string frame = EncodeBatchFrame(SampleBatch());
  std::string shifted = "x" + frame;
  auto r = DecodeBatchFrame(std::string_view(shifted).substr(1), DecodeLimits{});
  ASSERT_TRUE(r.ok()) << r.error().ToString();
}

TEST(BatchCodecTest, TraversalLimitStopsAmplification) {
  // The reader's traversal budget bounds how many words it may visit; a message larger
  // than the budget (here the 1024-word floor) must be refused, not walked.
  Batch b = SampleBatch();
  b.series.resize(1);
  b.series[0].samples.resize(512, Sample{1, 1});
  std::string frame = EncodeBatchFrame(b);
  DecodeLimits limits;
  limits.traversal_words_per_payload_word = 0;  // budget floor is 1024 words
  limits.max_samples_per_series = 100000;
  auto r = DecodeBatchFrame(frame, limits);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, DecodeErrorKind::kMalformedPayload);
}

}  // namespace
}  // namespace lm::protocol

namespace lm::protocol {
namespace {

TEST(BatchCodecTest, TextKeepsEmbeddedNulAndRejectsInvalidUtf8) {
  Batch b = SampleBatch();
  b.logs[0].message = std::string("a\0b", 3);
  auto r = DecodeBatchFrame(EncodeBatchFrame(b), DecodeLimits{});
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->logs[0].message, std::string("a\0b", 3));
  b.logs[0].message = "bad \xFF byte";
  auto bad = DecodeBatchFrame(EncodeBatchFrame(b), DecodeLimits{});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().rule, "utf8");
}

}  // namespace
}  // namespace lm::protocol
