#include "store/logs/record_store.h"

#include <algorithm>

namespace lm::store::logs {

void RecordStore::Append(const protocol::BatchIdentity& batch, const RecordInput* records,
                         size_t n) {
  if (n == 0) return;
  int64_t lo = std::numeric_limits<int64_t>::max();
  int64_t hi = std::numeric_limits<int64_t>::min();
  for (size_t i = 0; i < n; ++i) {
    lo = std::min(lo, records[i].time_unix_nano);
    hi = std::max(hi, records[i].time_unix_nano);
  }
  std::vector<std::shared_ptr<RecordChunk>> full;
  {
    std::lock_guard lock(append_mu_);
    size_t done = 0;
    int64_t last = -1;
    while (done < n) {
      if (!active_) {
        active_ = std::make_shared<RecordChunk>(next_chunk_id_++, options_.chunk_records,
                                                std::move(spare_builder_));
        std::unique_lock chunks_lock(chunks_mu_);
        chunks_.push_back(active_);
      }
      const size_t added = active_->Append(batch, records + done, n - done);
      done += added;
      if (added > 0) {
        last = static_cast<int64_t>((active_->id() << kChunkIdBits) | (active_->size() - 1));
      }
      if (added == 0 || active_->full()) full.push_back(std::move(active_));
    }
    if (lo < oldest_.load(std::memory_order_relaxed)) oldest_.store(lo, std::memory_order_release);
    if (hi > newest_.load(std::memory_order_relaxed)) newest_.store(hi, std::memory_order_release);
    num_records_.fetch_add(n, std::memory_order_acq_rel);
    if (last >= 0) last_pos_.store(last, std::memory_order_release);
  }
  // Sealing takes milliseconds; other appends proceed meanwhile (the full chunk takes no more
  // appends, and queries read it in either form).
  for (const auto& chunk : full) {
    std::unique_ptr<TrigramIndexBuilder> builder = chunk->Seal();
    std::lock_guard lock(append_mu_);
    if (!spare_builder_) spare_builder_ = std::move(builder);
  }
}

std::vector<std::shared_ptr<const RecordChunk>> RecordStore::Snapshot() const {
  std::shared_lock lock(chunks_mu_);
  return chunks_;
}

RecordPage RecordStore::Query(const RecordQuery& q) const {
  RecordPage page;
  if (q.limit == 0) return page;
  const std::vector<std::shared_ptr<const RecordChunk>> chunks = Snapshot();
  const RecordFilter& f = q.filter;
  const bool desc = q.order == Order::kDesc;

  struct Candidate {
    uint32_t index;
    int64_t min_time;
    int64_t max_time;
  };
  std::vector<Candidate> order;
  for (uint32_t i = 0; i < chunks.size(); ++i) {
    const RecordChunk& c = *chunks[i];
    if (c.size() == 0) continue;
    const int64_t lo = c.min_time();
    const int64_t hi = c.max_time();
    if (hi < f.min_time || lo > f.max_time) continue;
    if (f.after_pos && c.id() < (*f.after_pos >> kChunkIdBits)) continue;
    if (f.until_pos && c.id() > (*f.until_pos >> kChunkIdBits)) continue;
    if (q.after && (desc ? lo > q.after->time_unix_nano : hi < q.after->time_unix_nano)) continue;
    order.push_back({i, lo, hi});
  }
  // Visit the chunks most likely to hold the first records first, so that the rest can be
  // skipped once a full page ranks before them.
  std::sort(order.begin(), order.end(), [desc](const Candidate& a, const Candidate& b) {
    return desc ? a.max_time > b.max_time : a.min_time < b.min_time;
  });
  auto before = [desc](const ChunkHit& a, const ChunkHit& b) {
    return desc ? a.key > b.key : a.key < b.key;
  };
  const size_t want = q.limit + 1;  // one more tells whether there is a next page
  std::vector<ChunkHit> best, hits, merged;
  for (const Candidate& c : order) {
    std::optional<RecordKey> worst;
    if (best.size() == want) {
      worst = best.back().key;
      if (desc ? c.max_time < worst->time_unix_nano : c.min_time > worst->time_unix_nano) break;
    }
    hits.clear();
    chunks[c.index]->Collect(q, want, worst, c.index, &hits);
    if (hits.empty()) continue;
    merged.clear();
    std::merge(best.begin(), best.end(), hits.begin(), hits.end(), std::back_inserter(merged),
               before);
    if (merged.size() > want) merged.resize(want);
    best.swap(merged);
  }
  page.more = best.size() > q.limit;
  const size_t n = std::min(best.size(), q.limit);
  page.records.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    page.records.push_back(chunks[best[i].chunk]->Materialize(best[i].local));
  }
  return page;
}

std::optional<uint64_t> RecordStore::LastPos() const {
  const int64_t p = last_pos_.load(std::memory_order_acquire);
  if (p < 0) return std::nullopt;
  return static_cast<uint64_t>(p);
}

std::optional<int64_t> RecordStore::OldestTime() const {
  if (NumRecords() == 0) return std::nullopt;
  return oldest_.load(std::memory_order_acquire);
}

std::optional<int64_t> RecordStore::NewestTime() const {
  if (NumRecords() == 0) return std::nullopt;
  return newest_.load(std::memory_order_acquire);
}

MemoryUsage RecordStore::Memory() const {
  MemoryUsage u;
  for (const auto& c : Snapshot()) c->AddMemory(&u);
  return u;
}

}  // namespace lm::store::logs
