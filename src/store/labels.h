// A series' label set: name/value pairs sorted by name, names unique, the metric name under
// "__name__". Value type; thread compatible.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lm::store {

inline constexpr std::string_view kMetricNameLabel = "__name__";

struct Label {
  std::string name;
  std::string value;
  auto operator<=>(const Label&) const = default;
};

class Labels {
 public:
  Labels() = default;
  // Sorts `labels` by name; later duplicates of a name are dropped, as are empty values
  // (an empty value means "label absent" in PromQL).
  explicit Labels(std::vector<Label> labels);

  // The value of `name`, or empty when absent.
  std::string_view Get(std::string_view name) const;
  bool Has(std::string_view name) const;
  std::string_view MetricName() const { return Get(kMetricNameLabel); }

  const std::vector<Label>& items() const { return labels_; }
  size_t size() const { return labels_.size(); }
  bool empty() const { return labels_.empty(); }

  // A stable 64-bit hash of all names and values.
  uint64_t Hash() const;
  // {__name__="x", a="b"} rendered as x{a="b"}.
  std::string ToString() const;

  auto operator<=>(const Labels&) const = default;
  bool operator==(const Labels&) const = default;

 private:
  std::vector<Label> labels_;
};

struct LabelsHash {
  size_t operator()(const Labels& l) const { return static_cast<size_t>(l.Hash()); }
};

}  // namespace lm::store
