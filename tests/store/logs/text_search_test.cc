// Property test of indexed text search: random records in many chunks (sealed and active),
// random contains / icontains / regex queries, compared with a brute-force scan.
#include <random>

#include <gtest/gtest.h>
#include <re2/re2.h>

#include "store/logs/log_store.h"
#include "tests/store/logs/log_gen.h"

namespace lm::store::logs {
namespace {

struct Ref {
  RecordKey key;
  std::string message;
  protocol::Severity severity;
};

class TextSearchTest : public ::testing::Test {
 protected:
  static constexpr uint32_t kChunk = 700;

  TextSearchTest() : store_(RecordStoreOptions{kChunk}) {
    testing::LogGen gen(99, 300);
    const std::vector<std::string> tricky = {"DISK \xE2\x84\xAA full",
                                             "disk is ſlow",
                                             "Échec critique",
                                             "échec mineur",
                                             "ERROR: connection reset",
                                             "error: Connection Reset",
                                             "Kelvin k K",
                                             "a+b=c (x)",
                                             "tab\there",
                                             "line1\nline2"};
    uint64_t n = 0;
    int64_t t = 0;
    for (uint64_t seq = 0; n < 5000; ++seq) {
      protocol::Batch b;
      b.identity = {"agent", "boot", seq, seq};
      const uint64_t count = 1 + rng_() % 200;
      for (uint64_t i = 0; i < count; ++i) {
        t += static_cast<int64_t>(rng_() % 3);  // many equal times
        protocol::LogRecord r = gen.Record(t - static_cast<int64_t>(rng_() % 50));
        if (rng_() % 10 == 0) r.message = tricky[rng_() % tricky.size()] + " " + gen.Word();
        all_.push_back(
            {{r.time_unix_nano, ((n / kChunk) << 16) | (n % kChunk)}, r.message, r.severity});
        b.logs.push_back(std::move(r));
        ++n;
      }
      store_.AppendBatch(b);
    }
  }

  std::string RandomSubstring(size_t max_len) {
    const std::string& m = all_[rng_() % all_.size()].message;
    if (m.empty()) return "x";
    // Whole UTF-8 characters only: case-insensitive text must be valid UTF-8.
    auto continuation = [&](size_t i) { return i < m.size() && (m[i] & 0xC0) == 0x80; };
    size_t start = rng_() % m.size();
    while (continuation(start)) --start;
    size_t end = std::min(m.size(), start + 1 + rng_() % max_len);
    while (continuation(end)) ++end;
    return m.substr(start, end - start);
  }

  std::string FlipCase(std::string s) {
    for (char& c : s) {
      if (rng_() % 2 && c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
      if (rng_() % 2 && c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    }
    return s;
  }

  TextSpec RandomSpec() {
    TextSpec s;
    switch (rng_() % 6) {
      case 0:
        s.contains.push_back(RandomSubstring(12));
        break;
      case 1:
        s.icontains.push_back(FlipCase(RandomSubstring(10)));
        break;
      case 2:
        s.regex.push_back(RE2::QuoteMeta(RandomSubstring(8)) + "|" +
                          RE2::QuoteMeta(RandomSubstring(8)));
        break;
      case 3:
        s.regex.push_back(RE2::QuoteMeta(RandomSubstring(6)) + ".*" +
                          RE2::QuoteMeta(RandomSubstring(6)));
        break;
      case 4: {
        const char* patterns[] = {"payment [0-9a-f]{12} declined",
                                  "(?i)disk",
                                  "^user \\w+ logged",
                                  "(GET|POST) /api/v1/\\w+/\\d+ 500",
                                  "[0-9]{3}ms",
                                  "(?i)échec",
                                  "\\bkelvin\\b",
                                  "ſ|K",
                                  "Permission denied \\(errno=1[0-9]\\)",
                                  "Rés(umé)?"};
        s.regex.push_back(patterns[rng_() % 10]);
        break;
      }
      default:
        s.contains.push_back(RandomSubstring(5));
        s.case_insensitive = true;
        if (rng_() % 2) s.regex.push_back(RE2::QuoteMeta(FlipCase(RandomSubstring(4))));
    }
    return s;
  }

  std::mt19937_64 rng_{2024};
  LogStore store_;
  std::vector<Ref> all_;
};

TEST_F(TextSearchTest, IndexedSearchEqualsBruteForce) {
  size_t nonempty = 0;
  for (int trial = 0; trial < 300; ++trial) {
    const TextSpec spec = RandomSpec();
    auto matcher = TextMatcher::Compile(spec);
    ASSERT_TRUE(matcher.ok()) << matcher.error().message();
    // The reference: every filter checked directly, without the index.
    std::vector<std::unique_ptr<RE2>> res;
    std::vector<std::string> literal;
    for (const auto& c : spec.contains) {
      if (!spec.case_insensitive) {
        literal.push_back(c);
        continue;
      }
      RE2::Options o;
      o.set_literal(true);
      o.set_case_sensitive(false);
      res.push_back(std::make_unique<RE2>(c, o));
    }
    for (const auto& c : spec.icontains) {
      RE2::Options o;
      o.set_literal(true);
      o.set_case_sensitive(false);
      res.push_back(std::make_unique<RE2>(c, o));
    }
    for (const auto& p : spec.regex) {
      RE2::Options o;
      o.set_case_sensitive(!spec.case_insensitive);
      res.push_back(std::make_unique<RE2>(p, o));
    }
    RecordQuery q;
    q.filter.text = *matcher;
    q.order = trial % 2 ? Order::kAsc : Order::kDesc;
    q.limit = 1 + rng_() % 300;
    if (trial % 5 == 0) q.filter.min_severity = protocol::Severity::kWarn;
    std::vector<Ref> want;
    for (const Ref& r : all_) {
      bool ok = q.filter.min_severity == protocol::Severity::kUnspecified ||
                r.severity >= q.filter.min_severity;
      for (const auto& l : literal) ok = ok && r.message.find(l) != std::string::npos;
      for (const auto& re : res) ok = ok && RE2::PartialMatch(r.message, *re);
      if (ok) want.push_back(r);
    }
    std::sort(want.begin(), want.end(), [&](const Ref& a, const Ref& b) {
      return q.order == Order::kAsc ? a.key < b.key : a.key > b.key;
    });
    std::vector<RecordKey> got;
    while (true) {
      RecordPage page = store_.Query(q);
      for (const auto& r : page.records) got.push_back(r.key);
      if (!page.more) break;
      q.after = page.records.back().key;
    }
    ASSERT_EQ(got.size(), want.size())
        << "trial " << trial << " contains " << (spec.contains.empty() ? "" : spec.contains[0])
        << " icontains " << (spec.icontains.empty() ? "" : spec.icontains[0]) << " regex "
        << (spec.regex.empty() ? "" : spec.regex[0]);
    for (size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i], want[i].key) << trial << " " << i;
    if (!want.empty()) ++nonempty;
  }
  EXPECT_GT(nonempty, 200u);
}

TEST(TextMatcherTest, BadRegexNamesThePattern) {
  auto m = TextMatcher::Compile({{}, {}, {"a(b"}, false});
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.error().message().find("a(b"), std::string::npos);
  EXPECT_FALSE(TextMatcher::Compile({{}, {"\xff"}, {}, false}).ok());
  // Case-sensitive substrings are bytes: no UTF-8 requirement.
  EXPECT_TRUE(TextMatcher::Compile({{"\xff"}, {}, {}, false}).ok());
}

TEST(TextMatcherTest, CaseInsensitiveIsUnicodeAware) {
  auto m = TextMatcher::Compile({{}, {"ÉCHEC"}, {}, false}).value();
  EXPECT_TRUE(m->Matches("un échec"));
  EXPECT_FALSE(m->Matches("un echec"));
  auto k = TextMatcher::Compile({{}, {"disk"}, {}, false}).value();
  EXPECT_TRUE(k->Matches("DIS\xE2\x84\xAA"));  // KELVIN SIGN folds to k
  auto cs = TextMatcher::Compile({{"Disk"}, {}, {}, false}).value();
  EXPECT_FALSE(cs->Matches("disk"));
  EXPECT_TRUE(cs->Matches("a Disk"));
}

}  // namespace
}  // namespace lm::store::logs
