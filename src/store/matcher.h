// Label matchers (=, !=, =~, !~) as used by PromQL selectors. Regex matchers are fully
// anchored, RE2 syntax (the same syntax and linear-time guarantee as Prometheus' Go regexp).
// Immutable after creation; thread safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"

namespace re2 {
class RE2;
}

namespace lm::store {

enum class MatchType { kEqual, kNotEqual, kRegexMatch, kRegexNoMatch };

class Matcher {
 public:
  // InvalidArgument when a regex does not compile.
  static Result<Matcher> Create(MatchType type, std::string name, std::string value);

  MatchType type() const { return type_; }
  const std::string& name() const { return name_; }
  const std::string& value() const { return value_; }

  // Whether a label value (empty when the label is absent) matches.
  bool Matches(std::string_view label_value) const;

  // "name=\"value\"" with the operator.
  std::string ToString() const;

 private:
  Matcher(MatchType type, std::string name, std::string value, std::shared_ptr<const re2::RE2> re)
      : type_(type), name_(std::move(name)), value_(std::move(value)), re_(std::move(re)) {}

  MatchType type_;
  std::string name_;
  std::string value_;
  std::shared_ptr<const re2::RE2> re_;
};

}  // namespace lm::store
