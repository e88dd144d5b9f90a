#include "store/logs/record_chunk.h"

#include <algorithm>
#include <cassert>
#include <limits>
#include <map>
#include <numeric>
#include <unordered_map>

namespace lm::store::logs {
namespace {

// Message bytes per chunk, so that 32-bit offsets suffice.
constexpr size_t kMaxChunkMessageBytes = size_t{1} << 31;

// The index lists blocks of kBlock consecutive records rather than single records: a
// message's trigrams largely repeat in its neighbours' (same templates, same hosts), so this
// halves the index for the cost of verifying up to kBlock - 1 extra messages per hit.
constexpr uint32_t kBlockBits = 2;
constexpr uint32_t kBlock = 1u << kBlockBits;

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
};

void PutVarint(uint32_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

uint32_t GetVarint(std::string_view* s) {
  uint32_t v = 0;
  for (int shift = 0; !s->empty(); shift += 7) {
    const auto b = static_cast<uint8_t>(s->front());
    s->remove_prefix(1);
    v |= uint32_t{b & 0x7fu} << shift;
    if ((b & 0x80) == 0) break;
  }
  return v;
}

// Calls fn(key, value) for each pair of an encoded attribute set; stops when fn returns false.
template <typename Fn>
void ForEachKv(std::string_view s, Fn&& fn) {
  while (!s.empty()) {
    const uint32_t kn = GetVarint(&s);
    std::string_view k = s.substr(0, kn);
    s.remove_prefix(k.size());
    const uint32_t vn = GetVarint(&s);
    std::string_view v = s.substr(0, vn);
    s.remove_prefix(v.size());
    if (!fn(k, v)) return;
  }
}

template <typename T>
size_t Capacity(const std::vector<T>& v) {
  return v.capacity() * sizeof(T);
}

}  // namespace

struct RecordChunk::ActiveMaps {
  std::map<std::pair<std::string, std::string>, uint16_t, std::less<>> streams;
  std::unordered_map<std::string, uint16_t, StringHash, std::equal_to<>> names;
  std::unordered_multimap<size_t, uint16_t> kvs;  // hash of encoding -> set number
  std::string scratch;
  int last_name = -1;  // consecutive records mostly share their name

  size_t MemoryBytes() const {
    return sizeof(*this) + streams.size() * 96 + names.size() * 64 + kvs.size() * 32 +
           kvs.bucket_count() * 8 + names.bucket_count() * 8 + scratch.capacity();
  }
};

RecordChunk::RecordChunk(uint64_t id, uint32_t capacity,
                         std::unique_ptr<TrigramIndexBuilder> builder)
    : id_(id),
      capacity_(std::clamp(capacity, 1u, kChunkCapacity)),
      min_time_(std::numeric_limits<int64_t>::max()),
      max_time_(std::numeric_limits<int64_t>::min()),
      builder_(builder ? std::move(builder) : std::make_unique<TrigramIndexBuilder>()),
      maps_(std::make_unique<ActiveMaps>()) {}

RecordChunk::~RecordChunk() = default;

uint16_t RecordChunk::InternStream(std::string_view agent_id, std::string_view boot_id) {
  auto key = std::make_pair(std::string(agent_id), std::string(boot_id));
  auto it = maps_->streams.find(key);
  if (it != maps_->streams.end()) return it->second;
  const auto n = static_cast<uint16_t>(streams_.size());
  streams_.push_back(key);
  maps_->streams.emplace(std::move(key), n);
  return n;
}

uint16_t RecordChunk::InternName(std::string_view name) {
  if (maps_->last_name >= 0 && names_[maps_->last_name] == name) {
    return static_cast<uint16_t>(maps_->last_name);
  }
  auto it = maps_->names.find(name);
  uint16_t n;
  if (it != maps_->names.end()) {
    n = it->second;
  } else {
    n = static_cast<uint16_t>(names_.size());
    names_.emplace_back(name);
    maps_->names.emplace(std::string(name), n);
  }
  maps_->last_name = n;
  return n;
}

uint16_t RecordChunk::InternKvs(const std::vector<protocol::Label>* kvs) {
  std::string& enc = maps_->scratch;
  enc.clear();
  if (kvs != nullptr) {
    for (const protocol::Label& l : *kvs) {
      PutVarint(static_cast<uint32_t>(l.key.size()), &enc);
      enc += l.key;
      PutVarint(static_cast<uint32_t>(l.value.size()), &enc);
      enc += l.value;
    }
  }
  const size_t h = std::hash<std::string_view>()(enc);
  auto [begin, end] = maps_->kvs.equal_range(h);
  for (auto it = begin; it != end; ++it) {
    const uint16_t n = it->second;
    const uint32_t b = n == 0 ? 0 : kv_end_[n - 1];
    if (std::string_view(kv_data_).substr(b, kv_end_[n] - b) == enc) return n;
  }
  const auto n = static_cast<uint16_t>(kv_end_.size());
  kv_data_ += enc;
  kv_end_.push_back(static_cast<uint32_t>(kv_data_.size()));
  maps_->kvs.emplace(h, n);
  return n;
}

size_t RecordChunk::Append(const protocol::BatchIdentity& batch, const RecordInput* records,
                           size_t n) {
  std::unique_lock lock(mu_);
  assert(!sealed_);
  const uint32_t cur = size_.load(std::memory_order_relaxed);
  const size_t room = std::min<size_t>(n, capacity_ - cur);
  size_t take = 0;
  size_t bytes = messages_.size();
  while (take < room) {
    const size_t len = records[take].message.size();
    if (bytes + len > kMaxChunkMessageBytes && (cur > 0 || take > 0)) break;
    bytes += len;
    ++take;
  }
  if (take == 0) return 0;
  if (messages_.capacity() < bytes) messages_.reserve(std::max(bytes, messages_.capacity() * 2));

  const uint16_t stream = InternStream(batch.agent_id, batch.boot_id);
  const auto batch_no = static_cast<uint16_t>(batches_.size());
  batches_.push_back({batch.seq_start, stream});
  int64_t lo = min_time_.load(std::memory_order_relaxed);
  int64_t hi = max_time_.load(std::memory_order_relaxed);
  for (size_t i = 0; i < take; ++i) {
    const RecordInput& r = records[i];
    const auto local = static_cast<LocalId>(cur + i);
    times_.push_back(r.time_unix_nano);
    lo = std::min(lo, r.time_unix_nano);
    hi = std::max(hi, r.time_unix_nano);
    messages_ += r.message;
    msg_end_.push_back(static_cast<uint32_t>(messages_.size()));
    batch_.push_back(batch_no);
    name_.push_back(InternName(r.name));
    kvs_.push_back(InternKvs(r.kvs));
    severity_.push_back(static_cast<uint8_t>(r.severity));
    state_.push_back(r.state);
    builder_->Add(static_cast<LocalId>(local >> kBlockBits), r.message);
  }
  min_time_.store(lo, std::memory_order_release);
  max_time_.store(hi, std::memory_order_release);
  size_.store(static_cast<uint32_t>(cur + take), std::memory_order_release);
  return take;
}

std::unique_ptr<TrigramIndexBuilder> RecordChunk::Seal() {
  // Only the writer mutates the chunk, so building from the active form needs no lock.
  const uint32_t n = size();
  auto order = std::make_shared<std::vector<LocalId>>(n);
  std::iota(order->begin(), order->end(), LocalId{0});
  std::stable_sort(order->begin(), order->end(),
                   [&](LocalId a, LocalId b) { return times_[a] < times_[b]; });
  auto index = std::make_unique<TrigramIndex>(builder_->Build((n + kBlock - 1) / kBlock));

  std::unique_lock lock(mu_);
  index_ = std::move(index);
  std::unique_ptr<TrigramIndexBuilder> builder = std::move(builder_);
  maps_.reset();
  time_order_ = std::move(order);
  sealed_ = true;
  times_.shrink_to_fit();
  msg_end_.shrink_to_fit();
  messages_.shrink_to_fit();
  batch_.shrink_to_fit();
  name_.shrink_to_fit();
  kvs_.shrink_to_fit();
  severity_.shrink_to_fit();
  state_.shrink_to_fit();
  batches_.shrink_to_fit();
  kv_data_.shrink_to_fit();
  kv_end_.shrink_to_fit();
  {
    std::lock_guard order_lock(order_mu_);
    order_cache_.reset();
  }
  lock.unlock();
  builder->Clear();
  return builder;
}

std::shared_ptr<const std::vector<LocalId>> RecordChunk::TimeOrder(uint32_t n) const {
  if (sealed_) return time_order_;
  std::lock_guard lock(order_mu_);
  if (order_cache_ && order_cache_->size() == n) return order_cache_;
  // Records only ever get added: sort the new ones and merge them into the cached order.
  auto less = [&](LocalId a, LocalId b) {
    return times_[a] != times_[b] ? times_[a] < times_[b] : a < b;
  };
  const size_t have = order_cache_ ? order_cache_->size() : 0;
  std::vector<LocalId> tail(n - have);
  std::iota(tail.begin(), tail.end(), static_cast<LocalId>(have));
  std::sort(tail.begin(), tail.end(), less);
  auto merged = std::make_shared<std::vector<LocalId>>();
  merged->reserve(n);
  if (order_cache_) {
    std::merge(order_cache_->begin(), order_cache_->end(), tail.begin(), tail.end(),
               std::back_inserter(*merged), less);
  } else {
    *merged = std::move(tail);
  }
  order_cache_ = merged;
  return merged;
}

bool RecordChunk::Resolve(const RecordFilter& f, Resolved* r) const {
  if (f.name) {
    auto it = std::find(names_.begin(), names_.end(), *f.name);
    if (it == names_.end()) return false;
    r->name = static_cast<int>(it - names_.begin());
  }
  if (f.agent_id || f.boot_id) {
    std::vector<uint8_t> stream_ok(streams_.size());
    bool any = false;
    for (size_t i = 0; i < streams_.size(); ++i) {
      stream_ok[i] = (!f.agent_id || streams_[i].first == *f.agent_id) &&
                     (!f.boot_id || streams_[i].second == *f.boot_id);
      any = any || stream_ok[i];
    }
    if (!any) return false;
    r->batch_ok.resize(batches_.size());
    for (size_t i = 0; i < batches_.size(); ++i) r->batch_ok[i] = stream_ok[batches_[i].stream];
  }
  if (!f.kvs.empty()) {
    r->kvs_ok.resize(kv_end_.size());
    bool any = false;
    for (size_t n = 0; n < kv_end_.size(); ++n) {
      const uint32_t b = n == 0 ? 0 : kv_end_[n - 1];
      std::string_view set = std::string_view(kv_data_).substr(b, kv_end_[n] - b);
      bool all = true;
      for (const protocol::Label& want : f.kvs) {
        bool found = false;
        ForEachKv(set, [&](std::string_view k, std::string_view v) {
          found = k == want.key && v == want.value;
          return !found;
        });
        if (!found) {
          all = false;
          break;
        }
      }
      r->kvs_ok[n] = all;
      any = any || all;
    }
    if (!any) return false;
  }
  return true;
}

bool RecordChunk::Passes(const RecordFilter& f, const Resolved& r, LocalId l) const {
  if (f.severity && severity_[l] != static_cast<uint8_t>(*f.severity)) return false;
  if (f.min_severity != protocol::Severity::kUnspecified &&
      severity_[l] < static_cast<uint8_t>(f.min_severity)) {
    return false;
  }
  if (f.state && state_[l] != *f.state) return false;
  if (r.name >= 0 && name_[l] != r.name) return false;
  if (!r.batch_ok.empty() && !r.batch_ok[batch_[l]]) return false;
  if (!r.kvs_ok.empty() && !r.kvs_ok[kvs_[l]]) return false;
  return true;
}

void RecordChunk::Collect(const RecordQuery& q, size_t limit, const std::optional<RecordKey>& worst,
                          uint32_t tag, std::vector<ChunkHit>* out) const {
  std::shared_lock lock(mu_);
  const uint32_t n = size();
  const RecordFilter& f = q.filter;
  if (n == 0 || limit == 0) return;
  if (max_time() < f.min_time || min_time() > f.max_time) return;
  Resolved r;
  if (!Resolve(f, &r)) return;
  const bool desc = q.order == Order::kDesc;
  // True when `k` is ranked before `than` in the query order.
  auto before = [desc](const RecordKey& k, const RecordKey& than) {
    return desc ? k > than : k < than;
  };
  auto admissible = [&](const RecordKey& k) {
    return k.time_unix_nano >= f.min_time && k.time_unix_nano <= f.max_time &&
           (!f.after_pos || k.pos > *f.after_pos) && (!f.until_pos || k.pos <= *f.until_pos) &&
           (!q.after || before(*q.after, k)) && (!worst || before(k, *worst));
  };
  auto emit = [&](LocalId l) {
    if (f.text && !f.text->Matches(Message(l))) return false;
    out->push_back({KeyOf(l), tag, l});
    return true;
  };

  std::optional<std::vector<LocalId>> candidates;
  if (f.text) {
    std::optional<std::vector<LocalId>> blocks =
        sealed_ ? QueryCandidates(*index_, f.text->trigrams())
                : QueryCandidates(*builder_, f.text->trigrams());
    if (blocks) {
      candidates.emplace();
      candidates->reserve(blocks->size() * kBlock);
      for (LocalId b : *blocks) {
        const uint32_t first = uint32_t{b} << kBlockBits;
        for (uint32_t l = first; l < std::min(first + kBlock, n); ++l) {
          candidates->push_back(static_cast<LocalId>(l));
        }
      }
    }
  }
  if (candidates && candidates->size() <= n / 8) {
    // Selective: filter the candidates, rank them, verify in rank order.
    std::vector<LocalId> ranked;
    for (LocalId l : *candidates) {
      if (admissible(KeyOf(l)) && Passes(f, r, l)) ranked.push_back(l);
    }
    std::sort(ranked.begin(), ranked.end(),
              [&](LocalId a, LocalId b) { return before(KeyOf(a), KeyOf(b)); });
    size_t found = 0;
    for (LocalId l : ranked) {
      if (emit(l) && ++found == limit) break;
    }
    return;
  }
  std::vector<uint8_t> is_candidate;
  if (candidates) {
    is_candidate.resize(n);
    for (LocalId l : *candidates) is_candidate[l] = 1;
  }
  // Walk the time order from the first admissible record.
  auto order = TimeOrder(n);
  const std::vector<LocalId>& o = *order;
  auto time_lt = [&](LocalId l, int64_t t) { return times_[l] < t; };
  auto time_gt = [&](int64_t t, LocalId l) { return t < times_[l]; };
  size_t lo = std::lower_bound(o.begin(), o.end(), f.min_time, time_lt) - o.begin();
  size_t hi = std::upper_bound(o.begin(), o.end(), f.max_time, time_gt) - o.begin();
  if (q.after) {
    auto key_lt = [&](LocalId l, const RecordKey& k) { return KeyOf(l) < k; };
    auto key_gt = [&](const RecordKey& k, LocalId l) { return k < KeyOf(l); };
    if (desc) {
      hi = std::min<size_t>(hi, std::lower_bound(o.begin(), o.end(), *q.after, key_lt) - o.begin());
    } else {
      lo = std::max<size_t>(lo, std::upper_bound(o.begin(), o.end(), *q.after, key_gt) - o.begin());
    }
  }
  size_t found = 0;
  for (size_t i = 0; i < (hi > lo ? hi - lo : 0); ++i) {
    const LocalId l = o[desc ? hi - 1 - i : lo + i];
    if (worst && !before(KeyOf(l), *worst)) break;
    if (!is_candidate.empty() && !is_candidate[l]) continue;
    if (f.after_pos && KeyOf(l).pos <= *f.after_pos) continue;
    if (f.until_pos && KeyOf(l).pos > *f.until_pos) continue;
    if (!Passes(f, r, l)) continue;
    if (emit(l) && ++found == limit) break;
  }
}

StoredRecord RecordChunk::Materialize(LocalId l) const {
  std::shared_lock lock(mu_);
  StoredRecord rec;
  rec.key = KeyOf(l);
  const BatchInfo& b = batches_[batch_[l]];
  rec.agent_id = streams_[b.stream].first;
  rec.boot_id = streams_[b.stream].second;
  rec.seq = b.seq_start;
  rec.severity = static_cast<protocol::Severity>(severity_[l]);
  rec.state = state_[l];
  rec.name = names_[name_[l]];
  rec.message = std::string(Message(l));
  const uint32_t kb = kvs_[l] == 0 ? 0 : kv_end_[kvs_[l] - 1];
  ForEachKv(std::string_view(kv_data_).substr(kb, kv_end_[kvs_[l]] - kb),
            [&](std::string_view k, std::string_view v) {
              rec.kvs.push_back({std::string(k), std::string(v)});
              return true;
            });
  return rec;
}

void RecordChunk::AddMemory(MemoryUsage* u) const {
  std::shared_lock lock(mu_);
  u->records += size();
  u->message_bytes += messages_.size();
  u->column_bytes += messages_.capacity() - messages_.size() + Capacity(times_) +
                     Capacity(msg_end_) + Capacity(batch_) + Capacity(name_) + Capacity(kvs_) +
                     Capacity(severity_) + Capacity(state_) + sizeof(*this);
  if (time_order_) u->column_bytes += Capacity(*time_order_);
  {
    std::lock_guard order_lock(order_mu_);
    if (order_cache_) u->column_bytes += Capacity(*order_cache_);
  }
  size_t dict = Capacity(streams_) + Capacity(batches_) + Capacity(names_) + kv_data_.capacity() +
                Capacity(kv_end_);
  for (const auto& [a, b] : streams_) dict += a.capacity() + b.capacity();
  for (const auto& s : names_) dict += s.capacity() > 15 ? s.capacity() : 0;
  if (maps_) dict += maps_->MemoryBytes();
  u->dictionary_bytes += dict;
  u->index_bytes += sealed_ ? index_->MemoryBytes() : builder_->MemoryBytes();
}

}  // namespace lm::store::logs
