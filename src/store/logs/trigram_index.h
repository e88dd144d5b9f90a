// The trigram search index of one chunk of records: for each folded trigram (see trigram.h),
// the sorted ids (LocalId) of the texts that contain it. RecordChunk indexes blocks of four
// records under one id.
//
// TrigramIndexBuilder is the mutable form used while a chunk takes appends: an open-
// addressing hash table of lists kept in chained pages of one pool. TrigramIndex is the
// compact form a full chunk is converted to: sorted keys, and per key whichever encoding is
// smallest: nothing (every id has the trigram), LEB128 gaps, or a bitmap of the ids.
// Both are thread compatible: the owning chunk serialises appends against lookups.
#pragma once

#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/logs/postings.h"
#include "store/logs/trigram.h"

namespace lm::store::logs {

class TrigramIndex {
 public:
  // The list of `trigram` (kind kEmpty when no record has it). `storage` is unused (the
  // signature matches TrigramIndexBuilder::Find).
  PostingList Find(uint32_t trigram, std::vector<LocalId>* storage = nullptr) const;
  size_t MemoryBytes() const;
  size_t num_keys() const { return keys_.size(); }

 private:
  friend class TrigramIndexBuilder;
  uint32_t num_ids_ = 0;
  std::vector<uint32_t> keys_;     // sorted
  std::vector<uint32_t> counts_;   // per key
  std::vector<uint32_t> offsets_;  // per key, into blob_ (size keys_ + 1)
  std::string blob_;
};

class TrigramIndexBuilder {
 public:
  TrigramIndexBuilder();

  // Indexes `text` under `id`; ids must be added in non-decreasing order.
  void Add(LocalId id, std::string_view text);
  // The list of `trigram`, copied into `*storage`, which the view points into.
  PostingList Find(uint32_t trigram, std::vector<LocalId>* storage) const;
  // The compact form, for ids in [0, num_ids).
  TrigramIndex Build(uint32_t num_ids) const;
  // Empties the builder but keeps its memory, for the next chunk.
  void Clear();
  size_t MemoryBytes() const;

 private:
  // A list lives in a chain of pages in pool_: a page is two LocalIds holding the offset of
  // the next page, then its ids. Page sizes grow from kFirstPage to kMaxPage ids, so that rare
  // trigrams take little memory and long lists are read sequentially.
  static constexpr uint32_t kFirstPage = 4;
  static constexpr uint32_t kMaxPage = 256;
  static constexpr uint32_t kPageHeader = 2;
  // An open-addressing slot. `last` (the last id added, plus one) lets a trigram repeated
  // within one id skip its list.
  struct Slot {
    uint32_t key_plus1 = 0;  // 0: empty
    uint32_t last = 0;
    uint32_t count = 0;
    uint32_t head = 0;       // pool_ offset of the first page
    uint32_t tail = 0;       // pool_ offset of the next free id in the last page
    uint32_t tail_left = 0;  // free ids left in the last page
  };

  static uint32_t PageSize(uint32_t page_number) {
    return page_number >= 6 ? kMaxPage : kFirstPage << page_number;
  }
  Slot* SlotFor(uint32_t key);
  // Appends a page of `ids` ids; returns its offset.
  uint32_t NewPage(uint32_t ids);
  void Grow();
  // Calls fn(ids, n) for each page's ids, in order.
  template <typename Fn>
  void ForEachPage(const Slot& s, Fn&& fn) const;

  uint32_t mask_ = 0;
  uint32_t num_keys_ = 0;
  std::vector<Slot> table_;
  std::vector<LocalId> pool_;
};

// The candidate records of `query` in an index (TrigramIndex or TrigramIndexBuilder), sorted;
// nullopt when every record is a candidate. A superset of the records holding the trigrams.
template <typename Index>
std::optional<std::vector<LocalId>> QueryCandidates(const Index& index, const TrigramQuery& query) {
  if (query.match_all) return std::nullopt;
  std::vector<LocalId> result;
  std::deque<std::vector<LocalId>> storage;  // copies of mutable lists, stable addresses
  for (const auto& clause : query.clauses) {
    std::vector<PostingList> lists;
    bool empty = false;
    for (uint32_t t : clause) {
      PostingList l = index.Find(t, &storage.emplace_back());
      if (l.kind == PostingList::Kind::kEmpty) {
        empty = true;
        break;
      }
      if (l.kind != PostingList::Kind::kAll) lists.push_back(l);
    }
    if (empty) continue;
    if (lists.empty()) return std::nullopt;  // the clause holds for every record
    std::vector<LocalId> ids = IntersectAll(std::move(lists));
    result = result.empty() ? std::move(ids) : UnionPostings(result, ids);
  }
  return result;
}

}  // namespace lm::store::logs
