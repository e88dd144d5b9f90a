#include "store/logs/regex_trigrams.h"

#include <random>

#include <gtest/gtest.h>
#include <re2/re2.h>

namespace lm::store::logs {
namespace {

// The trigram sets of the query's clauses, as folded strings, for readable expectations.
std::vector<std::vector<std::string>> Clauses(const TrigramQuery& q) {
  std::vector<std::vector<std::string>> out;
  for (const auto& c : q.clauses) {
    std::vector<std::string> s;
    for (uint32_t t : c) {
      s.push_back(std::string{static_cast<char>(t >> 16), static_cast<char>((t >> 8) & 0xff),
                              static_cast<char>(t & 0xff)});
    }
    out.push_back(s);
  }
  return out;
}

using C = std::vector<std::vector<std::string>>;

TEST(RegexTrigramsTest, Literals) {
  EXPECT_EQ(Clauses(RegexTrigrams("hello", false)), (C{{"ell", "hel", "llo"}}));
  EXPECT_EQ(Clauses(RegexTrigrams("HeLLo", false)), (C{{"ell", "hel", "llo"}}));
  EXPECT_EQ(Clauses(RegexTrigrams("^abcd$", false)), (C{{"abc", "bcd"}}));
  EXPECT_EQ(Clauses(RegexTrigrams("\\Qa.b\\E", false)), (C{{"a.b"}}));
  EXPECT_EQ(Clauses(RegexTrigrams("a\\.b\\x41", false)), (C{{".ba", "a.b"}}));
  EXPECT_EQ(Clauses(RegexTrigrams("\\101\\x{42}C", false)), (C{{"abc"}}));
}

TEST(RegexTrigramsTest, BreaksAtClassesAndOptionalParts) {
  EXPECT_EQ(Clauses(RegexTrigrams("abc[0-9]+def", false)), (C{{"abc", "def"}}));
  EXPECT_EQ(Clauses(RegexTrigrams("abc.*xyz", false)), (C{{"abc", "xyz"}}));
  EXPECT_EQ(Clauses(RegexTrigrams("abcd?", false)), (C{{"abc"}, {"abc", "bcd"}}));
  EXPECT_EQ(Clauses(RegexTrigrams("abcd*", false)), (C{{"abc"}}));
  EXPECT_EQ(Clauses(RegexTrigrams("abcd+", false)), (C{{"abc", "bcd"}}));
  EXPECT_EQ(Clauses(RegexTrigrams("(abc)+x", false)), (C{{"abc"}}));
  EXPECT_EQ(Clauses(RegexTrigrams("x(abc){2,3}", false)), (C{{"abc", "xab"}}));
  EXPECT_EQ(Clauses(RegexTrigrams("x(a[b]c){2,3}", false)), C{});
  EXPECT_EQ(Clauses(RegexTrigrams("[]abc]xyz", false)), (C{{"xyz"}}));
  EXPECT_EQ(Clauses(RegexTrigrams("[[:alpha:]]xyz", false)), (C{{"xyz"}}));
  EXPECT_EQ(Clauses(RegexTrigrams("\\pLxyz\\p{Greek}", false)), (C{{"xyz"}}));
  EXPECT_EQ(Clauses(RegexTrigrams("a{x}", false)), (C{{"a{x", "{x}"}}));
}

TEST(RegexTrigramsTest, Alternation) {
  EXPECT_EQ(Clauses(RegexTrigrams("(foo|bar)baz", false)),
            (C{{"arb", "bar", "baz", "rba"}, {"baz", "foo", "oba", "oob"}}));
  EXPECT_EQ(Clauses(RegexTrigrams("error|fatal", false)),
            (C{{"err", "ror", "rro"}, {"ata", "fat", "tal"}}));
  EXPECT_TRUE(RegexTrigrams("error|x", false).match_all);
  EXPECT_TRUE(RegexTrigrams("(error)?", false).match_all);
}

TEST(RegexTrigramsTest, CaseInsensitive) {
  EXPECT_EQ(Clauses(RegexTrigrams("(?i)ERROR", false)), (C{{"err", "ror", "rro"}}));
  EXPECT_EQ(Clauses(RegexTrigrams("ERROR", true)), (C{{"err", "ror", "rro"}}));
  // k and s may match U+212A and U+017F: only windows without them.
  EXPECT_EQ(Clauses(RegexTrigrams("(?i)disk full", false)), (C{{" fu", "ful", "ull"}}));
  EXPECT_EQ(Clauses(RegexTrigrams("(?i)échec", false)), (C{{"che", "hec"}}));
  EXPECT_TRUE(RegexTrigrams("(?i)éch", false).match_all);
  EXPECT_EQ(Clauses(RegexTrigrams("échec", false)).size(), 1u);
  // Scoped flags: (?i:...) and (?i) up to the end of the group.
  EXPECT_EQ(Clauses(RegexTrigrams("(?i:abc)kkk", false)), (C{{"abc", "bck", "ckk", "kkk"}}));
  EXPECT_EQ(Clauses(RegexTrigrams("(x(?i)k)sss", false)), (C{{"sss"}}));
  EXPECT_EQ(Clauses(RegexTrigrams("(?i)abc(?-i)sss", false)), (C{{"abc", "bcs", "css", "sss"}}));
}

TEST(RegexTrigramsTest, QuantifierAfterFlagGroupAppliesToThePreviousItem) {
  // RE2 reads a(?i)* as a*: nothing is required.
  EXPECT_TRUE(RegexTrigrams("xya(?i)*", false).match_all);
  // \Q...\E*: the star applies to the last quoted character.
  EXPECT_EQ(Clauses(RegexTrigrams("\\Qabcd\\E*", false)), (C{{"abc"}}));
}

TEST(RegexTrigramsTest, NothingDerivable) {
  EXPECT_TRUE(RegexTrigrams("", false).match_all);
  EXPECT_TRUE(RegexTrigrams(".*", false).match_all);
  EXPECT_TRUE(RegexTrigrams("[0-9]{7}ms", false).match_all);
  EXPECT_TRUE(RegexTrigrams("ab", false).match_all);
}

// Soundness: for random patterns over a tricky alphabet and random texts, every text RE2
// matches holds all trigrams of at least one clause.
TEST(RegexTrigramsTest, PropertyNeverExcludesAMatch) {
  std::mt19937 rng(1234);
  const std::vector<std::string> atoms = {
      "a",        "b",           "k",     "s",     "K",         "S",   "é",   "É",   "\xE2\x84\xAA",
      "\xC5\xBF", ".",           "[ab]",  "[^a]",  "\\d",       "\\w", "\\.", "x",   "ab",
      "abc",      "ks",          "\\x61", "\\141", "\\Qa.k\\E", "^",   "$",   "\\b", "(?i)",
      "(?-i)",    "[[:alpha:]]", "[]a]",  "\\pL",  "{",         "a{2}"};
  const std::vector<std::string> quantifiers = {"",  "",    "",      "*",     "+",
                                                "?", "{2}", "{1,3}", "{0,2}", "*?"};
  std::function<std::string(int)> gen = [&](int depth) {
    std::string out;
    const int n = 1 + static_cast<int>(rng() % 5);
    for (int i = 0; i < n; ++i) {
      std::string item;
      if (depth < 2 && rng() % 4 == 0) {
        const char* open[] = {"(", "(?:", "(?i:", "(?P<n>"};
        item = std::string(open[rng() % 4]) + gen(depth + 1);
        if (rng() % 2) item += "|" + gen(depth + 1);
        item += ")";
      } else {
        item = atoms[rng() % atoms.size()];
      }
      out += item + quantifiers[rng() % quantifiers.size()];
    }
    return out;
  };
  const std::vector<std::string> chars = {
      "a", "b", "k",  "s", "K", "S", "x", ".",   "é",   "É",  "\xE2\x84\xAA", "\xC5\xBF",
      "A", "B", "\n", "c", "{", "}", "2", "abc", "a.k", "ks", "aa",           "ab"};
  std::vector<std::string> texts;
  for (int i = 0; i < 300; ++i) {
    std::string t;
    const int len = static_cast<int>(rng() % 14);
    for (int j = 0; j < len; ++j) t += chars[rng() % chars.size()];
    texts.push_back(t);
  }
  int checked = 0, derived = 0, matched_with_query = 0;
  for (int i = 0; i < 3000; ++i) {
    const std::string pattern = gen(0);
    const bool ci = rng() % 4 == 0;
    RE2::Options o;
    o.set_log_errors(false);
    o.set_case_sensitive(!ci);
    RE2 re(pattern, o);
    if (!re.ok()) continue;
    ++checked;
    const TrigramQuery q = RegexTrigrams(pattern, ci);
    if (!q.match_all) ++derived;
    for (const std::string& text : texts) {
      if (!RE2::PartialMatch(text, re)) continue;
      if (!q.match_all) ++matched_with_query;
      const std::vector<uint32_t> have = TextTrigrams(text);
      bool ok = q.match_all;
      for (const auto& clause : q.clauses) {
        ok = ok || std::includes(have.begin(), have.end(), clause.begin(), clause.end());
      }
      ASSERT_TRUE(ok) << "pattern " << pattern << " ci " << ci << " text " << text;
    }
  }
  EXPECT_GT(checked, 1000);
  EXPECT_GT(derived, 100);
  EXPECT_GT(matched_with_query, 100);
}

// Arbitrary input (also what RE2 rejects) must not crash the analysis.
TEST(RegexTrigramsTest, ArbitraryInputIsSafe) {
  std::mt19937 rng(77);
  const std::string alphabet = "()[]{}|*+?\\^$.:-<>PQEpxi0123abcks,\xff\xc3";
  for (int i = 0; i < 20000; ++i) {
    std::string p;
    const int len = static_cast<int>(rng() % 24);
    for (int j = 0; j < len; ++j) p.push_back(alphabet[rng() % alphabet.size()]);
    (void)RegexTrigrams(p, rng() % 2 == 0);
  }
  (void)RegexTrigrams(std::string(5000, '('), false);
  (void)RegexTrigrams(std::string(5000, '(') + std::string(5000, ')'), false);
}

}  // namespace
}  // namespace lm::store::logs
