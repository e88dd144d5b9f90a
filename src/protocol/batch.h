// The batch model: an owned, plain C++ mirror of proto/lightmetrics.capnp. The agent builds
// a Batch and encodes it; the collector decodes frames into it (with limits enforced while
// reading). Value types; thread compatible.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lm::protocol {

struct Label {
  std::string key;
  std::string value;
  bool operator==(const Label&) const = default;
};

struct BatchIdentity {
  std::string agent_id;
  std::string boot_id;
  uint64_t seq_start = 0;
  uint64_t seq_end = 0;
  bool operator==(const BatchIdentity&) const = default;
};

struct HostIdentity {
  std::string hostname;
  std::string machine_id;
  std::string kernel_boot_id;
  std::string os;
  std::string arch;
  std::string agent_version;
  bool operator==(const HostIdentity&) const = default;
};

enum class MetricKind { kGauge = 0, kCounter = 1, kHistogram = 2 };
enum class Temporality { kUnspecified = 0, kCumulative = 1, kDelta = 2 };

struct Sample {
  int64_t time_unix_nano = 0;
  double value = 0;
  bool operator==(const Sample&) const = default;
};

// A classic histogram bucket: observations <= upper_bound (cumulative).
struct Bucket {
  double upper_bound = 0;
  uint64_t count = 0;
  bool operator==(const Bucket&) const = default;
};

struct HistogramSample {
  int64_t time_unix_nano = 0;
  std::vector<Bucket> buckets;
  double sum = 0;
  uint64_t count = 0;
  bool operator==(const HistogramSample&) const = default;
};

struct MetricSeries {
  std::string name;
  std::vector<Label> labels;
  MetricKind kind = MetricKind::kGauge;
  Temporality temporality = Temporality::kUnspecified;
  int64_t start_time_unix_nano = 0;
  std::vector<Sample> samples;
  std::vector<HistogramSample> histogram_samples;
  std::string unit;
  std::string help;
  bool operator==(const MetricSeries&) const = default;
};

enum class Severity { kUnspecified = 0, kTrace, kDebug, kInfo, kWarn, kError, kFatal };

struct LogRecord {
  int64_t time_unix_nano = 0;
  Severity severity = Severity::kUnspecified;
  std::string target;
  std::string message;
  std::vector<Label> attributes;
  bool operator==(const LogRecord&) const = default;
};

enum class AlertState { kFiring = 0, kResolved = 1, kPending = 2 };

struct AlertRecord {
  int64_t time_unix_nano = 0;
  std::string name;
  Severity severity = Severity::kUnspecified;
  AlertState state = AlertState::kFiring;
  std::vector<Label> labels;
  std::string message;
  bool operator==(const AlertRecord&) const = default;
};

struct Batch {
  BatchIdentity identity;
  HostIdentity host;
  int64_t created_unix_nano = 0;
  std::vector<MetricSeries> series;
  std::vector<LogRecord> logs;
  std::vector<AlertRecord> alerts;
  bool operator==(const Batch&) const = default;
};

std::string_view SeverityName(Severity s);
std::string_view AlertStateName(AlertState s);
std::string_view MetricKindName(MetricKind k);

}  // namespace lm::protocol
