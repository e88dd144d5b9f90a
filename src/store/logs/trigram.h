// Trigrams of message text, as the search index keys them, and the index queries built from
// them. The index is case-folded for ASCII only (A-Z become a-z; every other byte, including
// the bytes of multi-byte UTF-8 characters, is kept), so one index serves case-sensitive and
// case-insensitive searches: a query lists trigrams every matching message must contain, and
// candidates are always verified against the message afterwards. Thread compatible.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace lm::store::logs {

inline uint8_t FoldAscii(uint8_t c) { return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c; }

// The key of three consecutive (already folded) bytes.
inline uint32_t TrigramKey(uint8_t a, uint8_t b, uint8_t c) {
  return (uint32_t{a} << 16) | (uint32_t{b} << 8) | c;
}

// Which records may match: those containing every trigram of at least one clause. An empty
// clause list with match_all set means every record is a candidate; with match_all unset and
// no clauses, none is.
struct TrigramQuery {
  bool match_all = true;
  std::vector<std::vector<uint32_t>> clauses;  // each sorted, unique, non-empty

  static TrigramQuery All() { return {}; }
  static TrigramQuery None() { return {false, {}}; }
  // A single clause of `trigrams`; All() when it is empty.
  static TrigramQuery Clause(std::vector<uint32_t> trigrams);
  // Records matching both. Sound but possibly weaker than the exact conjunction when the
  // clause product would exceed kMaxClauses.
  static TrigramQuery And(const TrigramQuery& a, const TrigramQuery& b);
  // Records matching either. All() when the clause count would exceed kMaxClauses.
  static TrigramQuery Or(const TrigramQuery& a, const TrigramQuery& b);

  static constexpr size_t kMaxClauses = 32;
};

// The folded trigrams of `text`, sorted and unique (empty for texts shorter than 3 bytes).
std::vector<uint32_t> TextTrigrams(std::string_view text);

// The trigrams a message must contain to hold `literal` as a substring. Case-insensitive
// literals (Unicode simple case folding, as RE2's (?i)) use only windows of three ASCII
// characters whose case variants are all ASCII: every ASCII byte except k, K, s and S (which
// also match U+212A KELVIN SIGN and U+017F LATIN SMALL LETTER LONG S).
TrigramQuery LiteralTrigrams(std::string_view literal, bool case_insensitive);

// True for a byte that a case-insensitive match can only meet as itself or its ASCII case
// variant.
inline bool IsFoldSafe(uint8_t c) {
  return c < 0x80 && c != 'k' && c != 'K' && c != 's' && c != 'S';
}

}  // namespace lm::store::logs
