// Posting lists of the trigram index: sorted, unique record numbers local to one chunk
// (LocalId), in the encodings the index stores them in, and the set operations queries need.
// Views do not own their bytes. Thread compatible.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace lm::store::logs {

using LocalId = uint16_t;

struct PostingList {
  enum class Kind : uint8_t {
    kEmpty,   // no ids
    kAll,     // every id in [0, num_records)
    kArray,   // `array` holds `count` ids
    kVarint,  // `bytes` holds `count` LEB128 gaps (the first id, then id[i] - id[i-1])
    kBitmap,  // `bytes` holds ceil(num_records / 8) bytes; bit i (LSB first) = id i
  };
  Kind kind = Kind::kEmpty;
  uint32_t count = 0;
  uint32_t num_records = 0;  // kAll, kBitmap
  const LocalId* array = nullptr;
  const uint8_t* bytes = nullptr;
};

// Bytes of the kVarint encoding of sorted ids.
size_t VarintPostingsSize(const LocalId* ids, size_t n);
// Appends the kVarint encoding of sorted ids to `out`.
void EncodeVarintPostings(const LocalId* ids, size_t n, std::string* out);

// Replaces `*out` with the ids of `list`.
void DecodePostings(const PostingList& list, std::vector<LocalId>* out);
// Keeps the ids of sorted `*ids` that `list` holds.
void IntersectPostings(const PostingList& list, std::vector<LocalId>* ids);
// The sorted union of two sorted id lists.
std::vector<LocalId> UnionPostings(const std::vector<LocalId>& a, const std::vector<LocalId>& b);

// The ids present in every list (lists must be non-empty). Starts from the shortest list and
// stops intersecting when the candidates are so few that verifying them is cheaper than
// decoding the next list: the result is then a superset, which callers verify anyway.
std::vector<LocalId> IntersectAll(std::vector<PostingList> lists);

}  // namespace lm::store::logs
