#include "store/logs/text_matcher.h"

#include <string.h>

#include <fmt/format.h>
#include <re2/re2.h>

#include "common/utf8.h"
#include "store/logs/regex_trigrams.h"

namespace lm::store::logs {

TextMatcher::~TextMatcher() = default;

Result<TextMatcherPtr> TextMatcher::Compile(const TextSpec& spec) {
  std::shared_ptr<TextMatcher> m(new TextMatcher());
  m->spec_ = spec;
  TrigramQuery q = TrigramQuery::All();
  std::vector<std::string> insensitive = spec.icontains;
  for (const std::string& s : spec.contains) {
    if (spec.case_insensitive) {
      insensitive.push_back(s);
    } else if (!s.empty()) {
      m->contains_.push_back(s);
      q = TrigramQuery::And(q, LiteralTrigrams(s, false));
    }
  }
  for (const std::string& s : insensitive) {
    if (!IsValidUtf8(s)) {
      return InvalidArgument(
          fmt::format("case-insensitive text \"{}\" is not valid UTF-8", ToValidUtf8(s)));
    }
    if (s.empty()) continue;
    RE2::Options options;
    options.set_log_errors(false);
    options.set_literal(true);
    options.set_case_sensitive(false);
    options.set_never_capture(true);
    auto re = std::make_unique<RE2>(s, options);
    if (!re->ok()) {
      return InvalidArgument(
          fmt::format("invalid case-insensitive text \"{}\": {}", s, re->error()));
    }
    m->patterns_.push_back(std::move(re));
    q = TrigramQuery::And(q, LiteralTrigrams(s, true));
  }
  for (const std::string& p : spec.regex) {
    RE2::Options options;
    options.set_log_errors(false);
    options.set_case_sensitive(!spec.case_insensitive);
    options.set_never_capture(true);
    auto re = std::make_unique<RE2>(p, options);
    if (!re->ok()) {
      return InvalidArgument(fmt::format("invalid regex \"{}\": {}", p, re->error()));
    }
    m->patterns_.push_back(std::move(re));
    q = TrigramQuery::And(q, RegexTrigrams(p, spec.case_insensitive));
  }
  m->trigrams_ = std::move(q);
  return TextMatcherPtr(std::move(m));
}

bool TextMatcher::Matches(std::string_view message) const {
  for (const std::string& s : contains_) {
    if (memmem(message.data(), message.size(), s.data(), s.size()) == nullptr) return false;
  }
  for (const auto& re : patterns_) {
    if (!RE2::PartialMatch(message, *re)) return false;
  }
  return true;
}

}  // namespace lm::store::logs
