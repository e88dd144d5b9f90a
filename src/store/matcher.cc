#include "store/matcher.h"

#include <re2/re2.h>

#include <fmt/format.h>

namespace lm::store {

Result<Matcher> Matcher::Create(MatchType type, std::string name, std::string value) {
  std::shared_ptr<const re2::RE2> re;
  if (type == MatchType::kRegexMatch || type == MatchType::kRegexNoMatch) {
    RE2::Options opt;
    opt.set_log_errors(false);
    opt.set_dot_nl(true);  // Prometheus compiles with (?s)
    auto compiled = std::make_shared<re2::RE2>("^(?:" + value + ")$", opt);
    if (!compiled->ok()) {
      return InvalidArgument(
          fmt::format("invalid regular expression \"{}\": {}", value, compiled->error()));
    }
    re = std::move(compiled);
  }
  return Matcher(type, std::move(name), std::move(value), std::move(re));
}

bool Matcher::Matches(std::string_view v) const {
  switch (type_) {
    case MatchType::kEqual:
      return v == value_;
    case MatchType::kNotEqual:
      return v != value_;
    case MatchType::kRegexMatch:
      return RE2::FullMatch(v, *re_);
    case MatchType::kRegexNoMatch:
      return !RE2::FullMatch(v, *re_);
  }
  return false;
}

std::string Matcher::ToString() const {
  static constexpr const char* kOps[] = {"=", "!=", "=~", "!~"};
  return fmt::format("{}{}\"{}\"", name_, kOps[static_cast<int>(type_)], value_);
}

}  // namespace lm::store
