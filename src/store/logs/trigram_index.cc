#include "store/logs/trigram_index.h"

#include <algorithm>
#include <numeric>

namespace lm::store::logs {
namespace {

constexpr uint32_t kInitialSlots = 1 << 12;

// Fibonacci hashing: the top bits of the product, spread over the table.
inline uint32_t Slot0(uint32_t key, uint32_t mask) {
  return static_cast<uint32_t>((uint64_t{key} * 0x9E3779B97F4A7C15ull) >> 32) & mask;
}

}  // namespace

PostingList TrigramIndex::Find(uint32_t trigram, std::vector<LocalId>*) const {
  auto it = std::lower_bound(keys_.begin(), keys_.end(), trigram);
  if (it == keys_.end() || *it != trigram) return {};
  const size_t i = static_cast<size_t>(it - keys_.begin());
  PostingList l;
  l.count = counts_[i];
  l.num_records = num_ids_;
  l.bytes = reinterpret_cast<const uint8_t*>(blob_.data()) + offsets_[i];
  if (l.count == num_ids_) {
    l.kind = PostingList::Kind::kAll;
  } else if (l.count > (num_ids_ + 7) / 8) {
    l.kind = PostingList::Kind::kBitmap;
  } else {
    l.kind = PostingList::Kind::kVarint;
  }
  return l;
}

size_t TrigramIndex::MemoryBytes() const {
  return sizeof(*this) + (keys_.capacity() + counts_.capacity() + offsets_.capacity()) * 4 +
         blob_.capacity();
}

TrigramIndexBuilder::TrigramIndexBuilder() : mask_(kInitialSlots - 1), table_(kInitialSlots) {}

void TrigramIndexBuilder::Clear() {
  std::fill(table_.begin(), table_.end(), Slot());
  num_keys_ = 0;
  pool_.clear();
}

void TrigramIndexBuilder::Grow() {
  std::vector<Slot> table(table_.size() * 2);
  const uint32_t mask = static_cast<uint32_t>(table.size() - 1);
  for (const Slot& s : table_) {
    if (s.key_plus1 == 0) continue;
    uint32_t i = Slot0(s.key_plus1 - 1, mask);
    while (table[i].key_plus1 != 0) i = (i + 1) & mask;
    table[i] = s;
  }
  table_ = std::move(table);
  mask_ = mask;
}

uint32_t TrigramIndexBuilder::NewPage(uint32_t ids) {
  const auto page = static_cast<uint32_t>(pool_.size());
  pool_.resize(pool_.size() + kPageHeader + ids);
  return page;
}

TrigramIndexBuilder::Slot* TrigramIndexBuilder::SlotFor(uint32_t key) {
  uint32_t i = Slot0(key, mask_);
  while (true) {
    Slot& s = table_[i];
    if (s.key_plus1 == key + 1) return &s;
    if (s.key_plus1 == 0) break;
    i = (i + 1) & mask_;
  }
  if ((num_keys_ + 1) * 2 > table_.size()) {
    Grow();
    i = Slot0(key, mask_);
    while (table_[i].key_plus1 != 0) i = (i + 1) & mask_;
  }
  ++num_keys_;
  Slot& s = table_[i];
  s.key_plus1 = key + 1;
  s.head = NewPage(kFirstPage);
  s.tail = s.head + kPageHeader;
  s.tail_left = kFirstPage;
  return &s;
}

void TrigramIndexBuilder::Add(LocalId id, std::string_view text) {
  if (text.size() < 3) return;
  const auto* p = reinterpret_cast<const uint8_t*>(text.data());
  const uint32_t mark = uint32_t{id} + 1;
  uint32_t key = (uint32_t{FoldAscii(p[0])} << 8) | FoldAscii(p[1]);
  for (size_t i = 2; i < text.size(); ++i) {
    key = ((key << 8) | FoldAscii(p[i])) & 0xffffff;
    Slot* s = SlotFor(key);
    if (s->last == mark) continue;
    s->last = mark;
    if (s->tail_left == 0) {
      // The current page is full: chain a bigger one (its header is written through offsets,
      // as NewPage may move pool_).
      uint32_t pages = 0;
      for (uint32_t n = 0; n < s->count; n += PageSize(pages)) ++pages;
      const uint32_t size = PageSize(pages);
      const uint32_t page = NewPage(size);
      const uint32_t header = s->tail - PageSize(pages - 1) - kPageHeader;
      pool_[header] = static_cast<LocalId>(page & 0xffff);
      pool_[header + 1] = static_cast<LocalId>(page >> 16);
      s->tail = page + kPageHeader;
      s->tail_left = size;
    }
    pool_[s->tail++] = id;
    --s->tail_left;
    ++s->count;
  }
}

template <typename Fn>
void TrigramIndexBuilder::ForEachPage(const Slot& s, Fn&& fn) const {
  uint32_t page = s.head;
  uint32_t left = s.count;
  for (uint32_t k = 0; left > 0; ++k) {
    const uint32_t n = std::min(PageSize(k), left);
    fn(pool_.data() + page + kPageHeader, n);
    left -= n;
    page = uint32_t{pool_[page]} | (uint32_t{pool_[page + 1]} << 16);
  }
}

PostingList TrigramIndexBuilder::Find(uint32_t trigram, std::vector<LocalId>* storage) const {
  uint32_t i = Slot0(trigram, mask_);
  while (true) {
    const Slot& s = table_[i];
    if (s.key_plus1 == 0) return {};
    if (s.key_plus1 == trigram + 1) {
      storage->clear();
      storage->reserve(s.count);
      ForEachPage(s, [&](const LocalId* ids, uint32_t n) {
        storage->insert(storage->end(), ids, ids + n);
      });
      PostingList out;
      out.kind = PostingList::Kind::kArray;
      out.count = s.count;
      out.array = storage->data();
      return out;
    }
    i = (i + 1) & mask_;
  }
}

TrigramIndex TrigramIndexBuilder::Build(uint32_t num_ids) const {
  std::vector<const Slot*> slots;
  slots.reserve(num_keys_);
  for (const Slot& s : table_) {
    if (s.key_plus1 != 0) slots.push_back(&s);
  }
  std::sort(slots.begin(), slots.end(),
            [](const Slot* a, const Slot* b) { return a->key_plus1 < b->key_plus1; });
  TrigramIndex index;
  index.num_ids_ = num_ids;
  index.keys_.reserve(slots.size());
  index.counts_.reserve(slots.size());
  index.offsets_.reserve(slots.size() + 1);
  // A varint list takes at least a byte per id, so a list with more ids than the bitmap has
  // bytes is smaller as a bitmap, and any other is not. Find tells them apart the same way.
  const size_t bitmap_bytes = (num_ids + 7) / 8;
  size_t bound = 0;
  for (const Slot* s : slots) {
    if (s->count != num_ids) bound += s->count > bitmap_bytes ? bitmap_bytes : 3 * s->count;
  }
  // Written through a raw pointer into an upper-bound buffer, trimmed at the end.
  index.blob_.resize(bound);
  auto* out = reinterpret_cast<uint8_t*>(index.blob_.data());
  size_t used = 0;
  for (const Slot* s : slots) {
    index.keys_.push_back(s->key_plus1 - 1);
    index.counts_.push_back(s->count);
    index.offsets_.push_back(static_cast<uint32_t>(used));
    if (s->count == num_ids) continue;
    if (s->count > bitmap_bytes) {
      uint8_t* bits = out + used;
      ForEachPage(*s, [&](const LocalId* ids, uint32_t n) {
        for (uint32_t k = 0; k < n; ++k)
          bits[ids[k] >> 3] |= static_cast<uint8_t>(1u << (ids[k] & 7));
      });
      used += bitmap_bytes;
      continue;
    }
    uint32_t prev = 0;
    ForEachPage(*s, [&](const LocalId* ids, uint32_t n) {
      for (uint32_t k = 0; k < n; ++k) {
        uint32_t gap = ids[k] - prev;
        prev = ids[k];
        while (gap >= 0x80) {
          out[used++] = static_cast<uint8_t>((gap & 0x7f) | 0x80);
          gap >>= 7;
        }
        out[used++] = static_cast<uint8_t>(gap);
      }
    });
  }
  index.blob_.resize(used);
  index.offsets_.push_back(static_cast<uint32_t>(index.blob_.size()));
  index.blob_.shrink_to_fit();
  return index;
}

size_t TrigramIndexBuilder::MemoryBytes() const {
  return sizeof(*this) + table_.capacity() * sizeof(Slot) + pool_.capacity() * sizeof(LocalId);
}
}  // namespace lm::store::logs
