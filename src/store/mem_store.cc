#include "store/mem_store.h"

#include <algorithm>

#include "store/chunk_series.h"

namespace lm::store {
namespace {

using chunk::ChunkPtr;
using chunk::ChunkView;

std::vector<uint32_t> Intersect(const std::vector<uint32_t>& a, const std::vector<uint32_t>& b) {
  std::vector<uint32_t> out;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

// The index of the first chunk whose max time is >= t.
size_t FirstReaching(const std::vector<ChunkPtr>& chunks, int64_t t) {
  return static_cast<size_t>(
      std::partition_point(chunks.begin(), chunks.end(),
                           [t](const ChunkPtr& c) { return c->max_time() < t; }) -
      chunks.begin());
}

// Heap bytes of a string beyond the object (none while it is stored inline).
size_t StringHeap(const std::string& s) {
  auto* obj = reinterpret_cast<const char*>(&s);
  bool inline_buf = s.data() >= obj && s.data() < obj + sizeof(s);
  return inline_buf ? 0 : s.capacity() + 1;
}

size_t LabelsHeap(const Labels& l) {
  size_t n = l.items().capacity() * sizeof(Label);
  for (const Label& x : l.items()) n += StringHeap(x.name) + StringHeap(x.value);
  return n;
}

// A red-black tree node: colour, parent and two children besides the value.
template <typename V>
constexpr size_t kTreeNode = 4 * sizeof(void*) + sizeof(V);

}  // namespace

int64_t MemStore::FindLocked(const Labels& labels, uint64_t hash) const {
  auto [b, e] = ids_.equal_range(hash);
  for (; b != e; ++b) {
    if (series_[b->second]->labels == labels) return b->second;
  }
  return -1;
}

std::pair<uint32_t, MemStore::MemSeries*> MemStore::GetOrCreate(const Labels& labels) {
  uint64_t hash = labels.Hash();
  {
    std::shared_lock lock(mu_);
    if (int64_t id = FindLocked(labels, hash); id >= 0) {
      return {static_cast<uint32_t>(id), series_[id].get()};
    }
  }
  std::unique_lock lock(mu_);
  if (int64_t id = FindLocked(labels, hash); id >= 0) {
    return {static_cast<uint32_t>(id), series_[id].get()};
  }
  auto id = static_cast<uint32_t>(series_.size());
  auto ms = std::make_unique<MemSeries>();
  ms->labels = labels;
  MemSeries* s = ms.get();
  series_.push_back(std::move(ms));
  ids_.emplace(hash, id);
  for (const Label& l : labels.items()) postings_[l.name][l.value].push_back(id);
  return {id, s};
}

void MemStore::AppendLocked(MemSeries* s, int64_t t, double v) {
  bool in_order = s->head.empty() ? s->sealed.empty() || t > s->sealed.back()->max_time()
                                  : t > s->head.max_time();
  if (!in_order) return MergeLocked(s, t, v);
  if (s->head.full()) {
    // Grow by a little: a series holds few chunks per day and every slot counts.
    if (s->sealed.size() == s->sealed.capacity()) {
      s->sealed.reserve(s->sealed.size() + 1 + s->sealed.size() / 8);
    }
    s->sealed.push_back(s->head.Finish());
  }
  s->head.Append(t, v);
}

void MemStore::MergeLocked(MemSeries* s, int64_t t, double v) {
  // The chunk that holds t in its time span, else the first after it.
  size_t i = FirstReaching(s->sealed, t);
  bool in_head = i == s->sealed.size();
  std::vector<chunk::Sample> samples =
      chunk::DecodeAll(in_head ? s->head.view() : s->sealed[i]->view());
  auto at = std::partition_point(samples.begin(), samples.end(),
                                 [t](const chunk::Sample& x) { return x.t < t; });
  if (at != samples.end() && at->t == t) return;  // replays are idempotent
  samples.insert(at, {t, v});
  if (in_head) {
    s->head = chunk::ChunkBuilder();
    for (const chunk::Sample& x : samples) {
      if (s->head.full()) s->sealed.push_back(s->head.Finish());
      s->head.Append(x.t, x.v);
    }
    return;
  }
  std::vector<ChunkPtr> chunks = chunk::EncodeChunks(samples);
  s->sealed[i] = std::move(chunks[0]);
  s->sealed.insert(s->sealed.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                   std::make_move_iterator(chunks.begin() + 1),
                   std::make_move_iterator(chunks.end()));
}

void MemStore::Append(const Labels& labels, int64_t t, double v) {
  MemSeries* s = GetOrCreate(labels).second;
  std::lock_guard lock(s->mu);
  AppendLocked(s, t, v);
}

void MemStore::AppendMany(const Labels& labels, const int64_t* ts, const double* vs, size_t n) {
  if (n == 0) return;
  MemSeries* s = GetOrCreate(labels).second;
  std::lock_guard lock(s->mu);
  for (size_t i = 0; i < n; ++i) AppendLocked(s, ts[i], vs[i]);
}

void MemStore::AppendKeyed(std::string_view key, const std::function<Labels()>& make_labels,
                           const int64_t* ts, const double* vs, size_t n) {
  if (n == 0) return;
  MemSeries* s = nullptr;
  {
    std::shared_lock lock(mu_);
    auto it = key_ids_.find(key);
    if (it != key_ids_.end()) s = series_[it->second].get();
  }
  if (s == nullptr) {
    auto [id, created] = GetOrCreate(make_labels());
    s = created;
    std::unique_lock lock(mu_);
    key_ids_.emplace(std::string(key), id);
  }
  std::lock_guard lock(s->mu);
  for (size_t i = 0; i < n; ++i) AppendLocked(s, ts[i], vs[i]);
}

std::vector<uint32_t> MemStore::Candidates(const std::vector<Matcher>& matchers) const {
  bool narrowed = false;
  std::vector<uint32_t> ids;
  for (const Matcher& m : matchers) {
    if (m.type() != MatchType::kEqual || m.value().empty()) continue;
    std::vector<uint32_t> list;
    if (auto n = postings_.find(m.name()); n != postings_.end()) {
      if (auto v = n->second.find(m.value()); v != n->second.end()) list = v->second;
    }
    ids = narrowed ? Intersect(ids, list) : std::move(list);
    narrowed = true;
    if (ids.empty()) return ids;
  }
  if (!narrowed) {
    ids.resize(series_.size());
    for (uint32_t i = 0; i < ids.size(); ++i) ids[i] = i;
  }
  return ids;
}

Result<std::vector<SeriesPtr>> MemStore::Select(const std::vector<Matcher>& matchers, int64_t mint,
                                                int64_t maxt) const {
  std::vector<SeriesPtr> out;
  std::shared_lock lock(mu_);
  for (uint32_t id : Candidates(matchers)) {
    const MemSeries& s = *series_[id];
    bool ok = std::all_of(matchers.begin(), matchers.end(),
                          [&](const Matcher& m) { return m.Matches(s.labels.Get(m.name())); });
    if (!ok) continue;
    std::vector<ChunkPtr> chunks;
    {
      std::lock_guard slock(s.mu);
      if (!HasSampleInLocked(s, mint, maxt)) continue;
      for (size_t i = FirstReaching(s.sealed, mint);
           i < s.sealed.size() && s.sealed[i]->min_time() <= maxt; ++i) {
        chunks.push_back(s.sealed[i]);
      }
      // The head changes with every append: the snapshot takes a copy of its bytes.
      if (!s.head.empty() && s.head.max_time() >= mint && s.head.min_time() <= maxt) {
        chunks.push_back(s.head.Snapshot());
      }
    }
    out.push_back(std::make_shared<ChunkSeries>(s.labels, std::move(chunks), mint, maxt));
  }
  std::sort(out.begin(), out.end(),
            [](const SeriesPtr& a, const SeriesPtr& b) { return a->labels() < b->labels(); });
  return out;
}

void MemStore::NoteMetricType(std::string_view name, std::string_view type) {
  std::lock_guard lock(types_mu_);
  auto it = types_.find(name);
  if (it == types_.end()) {
    types_.emplace(std::string(name), std::string(type));
  } else if (it->second != type) {
    it->second = std::string(type);  // the newest report wins
  }
}

std::vector<std::pair<std::string, std::string>> MemStore::MetricTypes() const {
  std::lock_guard lock(types_mu_);
  return {types_.begin(), types_.end()};
}

Result<std::vector<std::string>> MemStore::LabelNames(const std::vector<Matcher>& matchers,
                                                      int64_t mint, int64_t maxt) const {
  if (!matchers.empty()) return Querier::LabelNames(matchers, mint, maxt);
  // Without matchers the postings hold the answer, up to the time range: a name is listed
  // when one of its series has a sample in range.
  std::shared_lock lock(mu_);
  std::vector<std::string> out;
  for (const auto& [name, values] : postings_) {
    bool found = false;
    for (const auto& [value, ids] : values) {
      for (uint32_t id : ids) {
        if (HasSampleIn(*series_[id], mint, maxt)) {
          found = true;
          break;
        }
      }
      if (found) break;
    }
    if (found) out.push_back(name);
  }
  return out;
}

Result<std::vector<std::string>> MemStore::LabelValues(std::string_view name,
                                                       const std::vector<Matcher>& matchers,
                                                       int64_t mint, int64_t maxt) const {
  if (!matchers.empty()) return Querier::LabelValues(name, matchers, mint, maxt);
  std::shared_lock lock(mu_);
  std::vector<std::string> out;
  auto n = postings_.find(name);
  if (n == postings_.end()) return out;
  for (const auto& [value, ids] : n->second) {
    for (uint32_t id : ids) {
      if (HasSampleIn(*series_[id], mint, maxt)) {
        out.push_back(value);
        break;
      }
    }
  }
  return out;
}

bool MemStore::HasSampleInLocked(const MemSeries& s, int64_t mint, int64_t maxt) {
  // The first chunk reaching mint has a sample in range, or else the one after it decides:
  // its first sample is after mint, so it has one in range exactly when that one is.
  size_t first = FirstReaching(s.sealed, mint);
  size_t num = s.sealed.size() + (s.head.empty() ? 0 : 1);
  for (size_t i = first; i < num && i < first + 2; ++i) {
    ChunkView view = i < s.sealed.size() ? s.sealed[i]->view() : s.head.view();
    if (chunk::HasSampleIn(view, mint, maxt)) return true;
  }
  return false;
}

bool MemStore::HasSampleIn(const MemSeries& s, int64_t mint, int64_t maxt) {
  std::lock_guard lock(s.mu);
  return HasSampleInLocked(s, mint, maxt);
}

size_t MemStore::NumSeries() const {
  std::shared_lock lock(mu_);
  return series_.size();
}

size_t MemStore::NumSamples() const {
  std::shared_lock lock(mu_);
  size_t n = 0;
  for (const auto& s : series_) {
    std::lock_guard slock(s->mu);
    for (const ChunkPtr& c : s->sealed) n += static_cast<size_t>(c->num_samples());
    n += static_cast<size_t>(s->head.num_samples());
  }
  return n;
}

size_t MemStore::MemoryBytes() const {
  size_t n = sizeof(*this);
  {
    std::shared_lock lock(mu_);
    n += series_.capacity() * sizeof(series_[0]);
    for (const auto& s : series_) {
      n += sizeof(MemSeries) + LabelsHeap(s->labels);
      std::lock_guard slock(s->mu);
      n += s->sealed.capacity() * sizeof(ChunkPtr) + s->head.MemoryBytes();
      for (const ChunkPtr& c : s->sealed) n += c->MemoryBytes();
    }
    // Hash tables: a bucket array, one node (next pointer and value) per entry; string
    // keys also cache their hash.
    n += ids_.bucket_count() * sizeof(void*) +
         ids_.size() * (sizeof(void*) + sizeof(std::pair<const uint64_t, uint32_t>));
    n += key_ids_.bucket_count() * sizeof(void*);
    for (const auto& [key, id] : key_ids_) {
      n += 2 * sizeof(void*) + sizeof(std::pair<const std::string, uint32_t>) + StringHeap(key);
    }
    for (const auto& [name, values] : postings_) {
      n += kTreeNode<std::pair<const std::string, decltype(values)>> + StringHeap(name);
      for (const auto& [value, ids] : values) {
        n += kTreeNode<std::pair<const std::string, std::vector<uint32_t>>> + StringHeap(value) +
             ids.capacity() * sizeof(uint32_t);
      }
    }
  }
  std::lock_guard lock(types_mu_);
  for (const auto& [name, type] : types_) {
    n += kTreeNode<std::pair<const std::string, std::string>> + StringHeap(name) + StringHeap(type);
  }
  return n;
}

}  // namespace lm::store
