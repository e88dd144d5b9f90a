#include "store/logs/postings.h"

#include <random>
#include <set>

#include <gtest/gtest.h>

#include "store/logs/trigram_index.h"

namespace lm::store::logs {
namespace {

std::vector<LocalId> Decode(const PostingList& l) {
  std::vector<LocalId> out;
  DecodePostings(l, &out);
  return out;
}

TEST(PostingsTest, VarintRoundTripAndSize) {
  std::vector<LocalId> ids = {0, 1, 2, 130, 200, 17000, 65535};
  std::string enc;
  EncodeVarintPostings(ids.data(), ids.size(), &enc);
  EXPECT_EQ(enc.size(), VarintPostingsSize(ids.data(), ids.size()));
  PostingList l;
  l.kind = PostingList::Kind::kVarint;
  l.count = static_cast<uint32_t>(ids.size());
  l.bytes = reinterpret_cast<const uint8_t*>(enc.data());
  EXPECT_EQ(Decode(l), ids);
}

TEST(PostingsTest, IntersectEachKind) {
  const std::vector<LocalId> list = {1, 3, 5, 8, 13, 21};
  const std::vector<LocalId> probe = {0, 1, 2, 3, 13, 20, 21, 22};
  const std::vector<LocalId> want = {1, 3, 13, 21};

  PostingList array{PostingList::Kind::kArray, 6, 0, list.data(), nullptr};
  std::string enc;
  EncodeVarintPostings(list.data(), list.size(), &enc);
  PostingList varint{PostingList::Kind::kVarint, 6, 0, nullptr,
                     reinterpret_cast<const uint8_t*>(enc.data())};
  std::vector<uint8_t> bits(4);
  for (LocalId id : list) bits[id >> 3] |= static_cast<uint8_t>(1u << (id & 7));
  PostingList bitmap{PostingList::Kind::kBitmap, 6, 30, nullptr, bits.data()};
  for (const PostingList& l : {array, varint, bitmap}) {
    std::vector<LocalId> ids = probe;
    IntersectPostings(l, &ids);
    EXPECT_EQ(ids, want) << static_cast<int>(l.kind);
    EXPECT_EQ(Decode(l), list) << static_cast<int>(l.kind);
  }
  PostingList all{PostingList::Kind::kAll, 4, 4, nullptr, nullptr};
  std::vector<LocalId> ids = probe;
  IntersectPostings(all, &ids);
  EXPECT_EQ(ids, probe);
  EXPECT_EQ(Decode(all), (std::vector<LocalId>{0, 1, 2, 3}));
  IntersectPostings(PostingList{}, &ids);
  EXPECT_TRUE(ids.empty());
  EXPECT_EQ(UnionPostings({1, 4, 9}, {2, 4, 10}), (std::vector<LocalId>{1, 2, 4, 9, 10}));
}

// The compact index answers exactly as the builder it was built from, for every trigram and
// in every encoding (sparse, dense, every id).
TEST(TrigramIndexTest, BuiltIndexMatchesBuilder) {
  std::mt19937 rng(7);
  const char alphabet[] = "abcAB é";
  TrigramIndexBuilder builder;
  const uint32_t n = 3000;
  std::vector<std::string> texts;
  for (uint32_t id = 0; id < n; ++id) {
    std::string t = "xyz";  // in every text: kAll
    const size_t len = rng() % 12;
    for (size_t i = 0; i < len; ++i) t.push_back(alphabet[rng() % (sizeof(alphabet) - 1)]);
    if (id % 500 == 0) t += "rare";
    texts.push_back(t);
    builder.Add(static_cast<LocalId>(id), t);
  }
  TrigramIndex index = builder.Build(n);
  std::set<uint32_t> keys;
  for (const auto& t : texts) {
    for (uint32_t k : TextTrigrams(t)) keys.insert(k);
  }
  keys.insert(TrigramKey('q', 'q', 'q'));  // absent
  std::set<PostingList::Kind> kinds;
  for (uint32_t k : keys) {
    std::vector<LocalId> storage;
    PostingList a = builder.Find(k, &storage);
    PostingList b = index.Find(k);
    kinds.insert(b.kind);
    EXPECT_EQ(Decode(a), Decode(b)) << k;
    EXPECT_EQ(a.count, b.count);
    std::vector<LocalId> want;
    for (uint32_t id = 0; id < n; ++id) {
      auto tt = TextTrigrams(texts[id]);
      if (std::binary_search(tt.begin(), tt.end(), k)) want.push_back(static_cast<LocalId>(id));
    }
    EXPECT_EQ(Decode(b), want) << k;
  }
  EXPECT_TRUE(kinds.count(PostingList::Kind::kAll));
  EXPECT_TRUE(kinds.count(PostingList::Kind::kBitmap));
  EXPECT_TRUE(kinds.count(PostingList::Kind::kVarint));
  EXPECT_TRUE(kinds.count(PostingList::Kind::kEmpty));
  EXPECT_LT(index.MemoryBytes(), builder.MemoryBytes());

  builder.Clear();
  std::vector<LocalId> storage;
  EXPECT_EQ(builder.Find(TrigramKey('x', 'y', 'z'), &storage).kind, PostingList::Kind::kEmpty);
}

TEST(TrigramIndexTest, CaseFoldedKeys) {
  TrigramIndexBuilder builder;
  builder.Add(0, "HeLLo");
  builder.Add(1, "hello");
  builder.Add(2, "help");
  TrigramIndex index = builder.Build(3);
  EXPECT_EQ(Decode(index.Find(TrigramKey('l', 'l', 'o'))), (std::vector<LocalId>{0, 1}));
  EXPECT_EQ(Decode(index.Find(TrigramKey('h', 'e', 'l'))), (std::vector<LocalId>{0, 1, 2}));
  EXPECT_EQ(index.Find(TrigramKey('H', 'e', 'L')).kind, PostingList::Kind::kEmpty);

  auto c = QueryCandidates(index, LiteralTrigrams("LLO", false));
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(*c, (std::vector<LocalId>{0, 1}));
  EXPECT_FALSE(QueryCandidates(index, LiteralTrigrams("lo", false)).has_value());
  auto none = QueryCandidates(index, LiteralTrigrams("xyz", false));
  ASSERT_TRUE(none.has_value());
  EXPECT_TRUE(none->empty());
  // An OR of clauses unions their candidates.
  auto either = QueryCandidates(
      index, TrigramQuery::Or(LiteralTrigrams("elp", false), LiteralTrigrams("llo", false)));
  ASSERT_TRUE(either.has_value());
  EXPECT_EQ(*either, (std::vector<LocalId>{0, 1, 2}));
}

TEST(TrigramTest, LiteralTrigramsCaseInsensitiveSkipsUnsafeCharacters) {
  // "ask" has k and s: no safe window.
  EXPECT_TRUE(LiteralTrigrams("ask", true).match_all);
  TrigramQuery q = LiteralTrigrams("ERROR", true);
  ASSERT_EQ(q.clauses.size(), 1u);
  EXPECT_EQ(q.clauses[0], TextTrigrams("error"));
  // é is two non-ASCII bytes: only the ASCII window "abc" survives.
  q = LiteralTrigrams("abcé", true);
  ASSERT_EQ(q.clauses.size(), 1u);
  EXPECT_EQ(q.clauses[0], (std::vector<uint32_t>{TrigramKey('a', 'b', 'c')}));
  // Case-sensitive literals keep every window.
  EXPECT_EQ(LiteralTrigrams("abcé", false).clauses[0].size(), 3u);
}

TEST(TrigramTest, QueryAlgebra) {
  TrigramQuery a = TrigramQuery::Clause({1, 2});
  TrigramQuery b = TrigramQuery::Clause({3});
  EXPECT_TRUE(TrigramQuery::And(TrigramQuery::All(), a).clauses == a.clauses);
  TrigramQuery ab = TrigramQuery::And(a, b);
  ASSERT_EQ(ab.clauses.size(), 1u);
  EXPECT_EQ(ab.clauses[0], (std::vector<uint32_t>{1, 2, 3}));
  EXPECT_TRUE(TrigramQuery::Or(a, TrigramQuery::All()).match_all);
  TrigramQuery o = TrigramQuery::Or(a, b);
  EXPECT_EQ(o.clauses.size(), 2u);
  EXPECT_EQ(TrigramQuery::And(o, o).clauses.size(), 4u);
  TrigramQuery none = TrigramQuery::None();
  EXPECT_FALSE(TrigramQuery::And(a, none).match_all);
  EXPECT_TRUE(TrigramQuery::And(a, none).clauses.empty());
}

}  // namespace
}  // namespace lm::store::logs
