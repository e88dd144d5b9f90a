#include "store/logs/postings.h"

#include <algorithm>
#include <cassert>

namespace lm::store::logs {
namespace {

size_t VarintSize(uint32_t v) { return v < (1u << 7) ? 1 : v < (1u << 14) ? 2 : 3; }

inline uint32_t ReadVarint(const uint8_t** p) {
  uint32_t v = **p & 0x7f;
  if (*(*p)++ & 0x80) {
    v |= uint32_t{**p & 0x7fu} << 7;
    if (*(*p)++ & 0x80) v |= uint32_t{*(*p)++} << 14;
  }
  return v;
}

inline bool BitSet(const uint8_t* bits, LocalId id) { return (bits[id >> 3] >> (id & 7)) & 1; }

}  // namespace

size_t VarintPostingsSize(const LocalId* ids, size_t n) {
  size_t bytes = 0;
  uint32_t prev = 0;
  for (size_t i = 0; i < n; ++i) {
    bytes += VarintSize(ids[i] - prev);
    prev = ids[i];
  }
  return bytes;
}

void EncodeVarintPostings(const LocalId* ids, size_t n, std::string* out) {
  uint32_t prev = 0;
  for (size_t i = 0; i < n; ++i) {
    uint32_t v = ids[i] - prev;
    prev = ids[i];
    while (v >= 0x80) {
      out->push_back(static_cast<char>((v & 0x7f) | 0x80));
      v >>= 7;
    }
    out->push_back(static_cast<char>(v));
  }
}

void DecodePostings(const PostingList& list, std::vector<LocalId>* out) {
  out->clear();
  out->reserve(list.count);
  switch (list.kind) {
    case PostingList::Kind::kEmpty:
      break;
    case PostingList::Kind::kAll:
      for (uint32_t i = 0; i < list.num_records; ++i) out->push_back(static_cast<LocalId>(i));
      break;
    case PostingList::Kind::kArray:
      out->assign(list.array, list.array + list.count);
      break;
    case PostingList::Kind::kVarint: {
      const uint8_t* p = list.bytes;
      uint32_t id = 0;
      for (uint32_t i = 0; i < list.count; ++i) {
        id += ReadVarint(&p);
        out->push_back(static_cast<LocalId>(id));
      }
      break;
    }
    case PostingList::Kind::kBitmap:
      for (uint32_t i = 0; i < list.num_records; ++i) {
        if (BitSet(list.bytes, static_cast<LocalId>(i))) out->push_back(static_cast<LocalId>(i));
      }
      break;
  }
}

void IntersectPostings(const PostingList& list, std::vector<LocalId>* ids) {
  auto keep = ids->begin();
  switch (list.kind) {
    case PostingList::Kind::kEmpty:
      ids->clear();
      return;
    case PostingList::Kind::kAll:
      return;
    case PostingList::Kind::kBitmap:
      for (LocalId id : *ids) {
        if (BitSet(list.bytes, id)) *keep++ = id;
      }
      break;
    case PostingList::Kind::kArray: {
      const LocalId* p = list.array;
      const LocalId* end = p + list.count;
      for (LocalId id : *ids) {
        p = std::lower_bound(p, end, id);
        if (p == end) break;
        if (*p == id) *keep++ = id;
      }
      break;
    }
    case PostingList::Kind::kVarint: {
      const uint8_t* p = list.bytes;
      uint32_t left = list.count;
      uint32_t cur = 0;
      bool have = false;
      for (LocalId id : *ids) {
        while ((!have || cur < id) && left > 0) {
          cur += ReadVarint(&p);
          --left;
          have = true;
        }
        if (!have || cur < id) break;
        if (cur == id) *keep++ = id;
      }
      break;
    }
  }
  ids->erase(keep, ids->end());
}

std::vector<LocalId> UnionPostings(const std::vector<LocalId>& a, const std::vector<LocalId>& b) {
  std::vector<LocalId> out;
  out.reserve(a.size() + b.size());
  std::set_union(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

std::vector<LocalId> IntersectAll(std::vector<PostingList> lists) {
  assert(!lists.empty());
  std::sort(lists.begin(), lists.end(),
            [](const PostingList& a, const PostingList& b) { return a.count < b.count; });
  std::vector<LocalId> ids;
  DecodePostings(lists[0], &ids);
  for (size_t i = 1; i < lists.size() && !ids.empty(); ++i) {
    const PostingList& l = lists[i];
    // Bitmap and array probes cost about one step per candidate; a varint list must be decoded
    // in full. Verifying a candidate costs about as much as decoding ~64 ids.
    if (l.kind == PostingList::Kind::kVarint && l.count > 64 * ids.size()) continue;
    IntersectPostings(l, &ids);
  }
  return ids;
}

}  // namespace lm::store::logs
