// Message text filters of the log and alert queries, compiled once per query: substrings
// (case-sensitive or case-insensitive) and RE2 regular expressions, all of which a message
// must match. Besides the exact check it carries the TrigramQuery that narrows the candidate
// records through the search index. Immutable after Compile; thread safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "store/logs/trigram.h"

namespace re2 {
class RE2;
}

namespace lm::store::logs {

struct TextSpec {
  std::vector<std::string> contains;   // case-sensitive substrings (bytes)
  std::vector<std::string> icontains;  // case-insensitive substrings (Unicode simple folding)
  std::vector<std::string> regex;      // RE2 patterns, unanchored search
  // Makes `contains` and `regex` case-insensitive too.
  bool case_insensitive = false;

  bool empty() const { return contains.empty() && icontains.empty() && regex.empty(); }
  bool operator==(const TextSpec&) const = default;
};

class TextMatcher;
using TextMatcherPtr = std::shared_ptr<const TextMatcher>;

class TextMatcher {
 public:
  ~TextMatcher();

  // InvalidArgument when a pattern does not compile ("invalid regex \"<pattern>\": <why>") or
  // a case-insensitive substring is not valid UTF-8.
  static Result<TextMatcherPtr> Compile(const TextSpec& spec);

  // True when `message` satisfies every filter.
  bool Matches(std::string_view message) const;
  // Trigrams every matching message contains.
  const TrigramQuery& trigrams() const { return trigrams_; }
  const TextSpec& spec() const { return spec_; }

 private:
  TextMatcher() = default;

  TextSpec spec_;
  std::vector<std::string> contains_;
  std::vector<std::unique_ptr<re2::RE2>> patterns_;  // case-insensitive substrings, regexes
  TrigramQuery trigrams_;
};

}  // namespace lm::store::logs
