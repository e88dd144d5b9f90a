#include "store/logs/trigram.h"

#include <algorithm>

namespace lm::store::logs {
namespace {

void SortUnique(std::vector<uint32_t>* v) {
  std::sort(v->begin(), v->end());
  v->erase(std::unique(v->begin(), v->end()), v->end());
}

}  // namespace

TrigramQuery TrigramQuery::Clause(std::vector<uint32_t> trigrams) {
  if (trigrams.empty()) return All();
  SortUnique(&trigrams);
  TrigramQuery q;
  q.match_all = false;
  q.clauses.push_back(std::move(trigrams));
  return q;
}

TrigramQuery TrigramQuery::And(const TrigramQuery& a, const TrigramQuery& b) {
  if (a.match_all) return b;
  if (b.match_all) return a;
  if (a.clauses.empty() || b.clauses.empty()) return None();
  if (a.clauses.size() * b.clauses.size() > kMaxClauses) {
    // Dropping one side only widens the candidate set; keep the side with fewer alternatives.
    return a.clauses.size() <= b.clauses.size() ? a : b;
  }
  TrigramQuery q;
  q.match_all = false;
  for (const auto& ca : a.clauses) {
    for (const auto& cb : b.clauses) {
      std::vector<uint32_t> c = ca;
      c.insert(c.end(), cb.begin(), cb.end());
      SortUnique(&c);
      q.clauses.push_back(std::move(c));
    }
  }
  return q;
}

TrigramQuery TrigramQuery::Or(const TrigramQuery& a, const TrigramQuery& b) {
  if (a.match_all || b.match_all) return All();
  if (a.clauses.size() + b.clauses.size() > kMaxClauses) return All();
  TrigramQuery q = a;
  q.clauses.insert(q.clauses.end(), b.clauses.begin(), b.clauses.end());
  return q;
}

std::vector<uint32_t> TextTrigrams(std::string_view text) {
  std::vector<uint32_t> out;
  if (text.size() < 3) return out;
  out.reserve(text.size() - 2);
  const auto* p = reinterpret_cast<const uint8_t*>(text.data());
  for (size_t i = 0; i + 2 < text.size(); ++i) {
    out.push_back(TrigramKey(FoldAscii(p[i]), FoldAscii(p[i + 1]), FoldAscii(p[i + 2])));
  }
  SortUnique(&out);
  return out;
}

TrigramQuery LiteralTrigrams(std::string_view literal, bool case_insensitive) {
  if (!case_insensitive) return TrigramQuery::Clause(TextTrigrams(literal));
  std::vector<uint32_t> out;
  const auto* p = reinterpret_cast<const uint8_t*>(literal.data());
  for (size_t i = 0; i + 2 < literal.size(); ++i) {
    if (IsFoldSafe(p[i]) && IsFoldSafe(p[i + 1]) && IsFoldSafe(p[i + 2])) {
      out.push_back(TrigramKey(FoldAscii(p[i]), FoldAscii(p[i + 1]), FoldAscii(p[i + 2])));
    }
  }
  return TrigramQuery::Clause(std::move(out));
}

}  // namespace lm::store::logs
