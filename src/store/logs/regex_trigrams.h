// Required-trigram analysis of RE2 patterns, for the log search index. RE2 has no public
// API for the literals a pattern requires, so this parses RE2's syntax itself (a subset is
// understood; everything else counts as "any text") and computes, conservatively, trigrams
// every match must contain. Thread safe (pure functions).
#pragma once

#include <string_view>

#include "store/logs/trigram.h"

namespace lm::store::logs {

// Trigrams that any text containing a match of `pattern` (RE2 syntax, unanchored search, as
// RE2::PartialMatch) contains, as a TrigramQuery. `case_insensitive` is the pattern's initial
// (?i) state. The pattern must already have compiled with RE2; for anything this analysis does
// not understand the result is weaker (at worst TrigramQuery::All(), a full scan), never wrong.
TrigramQuery RegexTrigrams(std::string_view pattern, bool case_insensitive);

}  // namespace lm::store::logs
