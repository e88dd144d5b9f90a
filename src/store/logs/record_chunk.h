// RecordChunk: up to 65536 consecutive records of a RecordStore (record_store.h), stored as
// append-only columns plus per-chunk dictionaries, with the chunk's trigram index. While it
// takes appends the chunk is "active" (a mutable index builder, a time order computed on
// demand); Seal() then converts it to its compact immutable form (compressed index,
// precomputed time order, trimmed capacities).
//
// Per record: time (8 bytes), message end offset (4), batch, name and attribute-set numbers
// (2 each), severity and state (1 each), time-order slot (2) once sealed; the message bytes
// in one arena; agent/boot ids, batch seqs, names and attribute sets once per chunk.
//
// Thread safe: one writer (Append, Seal) at a time, concurrent with any number of readers.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/batch.h"
#include "store/logs/postings.h"
#include "store/logs/record.h"
#include "store/logs/trigram_index.h"

namespace lm::store::logs {

// One record to append; views into the caller's data.
struct RecordInput {
  int64_t time_unix_nano = 0;
  protocol::Severity severity = protocol::Severity::kUnspecified;
  uint8_t state = 0;
  std::string_view name;
  std::string_view message;
  const std::vector<protocol::Label>* kvs = nullptr;  // null: none
};

inline constexpr uint32_t kChunkIdBits = 16;
inline constexpr uint32_t kChunkCapacity = 1u << kChunkIdBits;

// A record found by RecordChunk::Collect.
struct ChunkHit {
  RecordKey key;
  uint32_t chunk = 0;  // the caller's tag
  LocalId local = 0;
};

class RecordChunk {
 public:
  // Holds up to `capacity` (at most kChunkCapacity) records. `builder`: an empty index builder
  // to reuse (one a sealed chunk returned), or null.
  RecordChunk(uint64_t id, uint32_t capacity, std::unique_ptr<TrigramIndexBuilder> builder);
  ~RecordChunk();
  RecordChunk(const RecordChunk&) = delete;
  RecordChunk& operator=(const RecordChunk&) = delete;

  // Appends the longest prefix of `records` (all from `batch`) that fits; returns its length,
  // 0 when the chunk is full. Writer only; not after Seal().
  size_t Append(const protocol::BatchIdentity& batch, const RecordInput* records, size_t n);
  // Converts the chunk to its compact, immutable form. Writer only; once. Returns the
  // emptied index builder, for the next chunk.
  std::unique_ptr<TrigramIndexBuilder> Seal();

  uint64_t id() const { return id_; }
  uint32_t size() const { return size_.load(std::memory_order_acquire); }
  bool full() const { return size() == capacity_; }
  // Valid when size() > 0.
  int64_t min_time() const { return min_time_.load(std::memory_order_acquire); }
  int64_t max_time() const { return max_time_.load(std::memory_order_acquire); }

  // Appends to `out` the first `limit` records of this chunk that match `query` (filter,
  // order and cursor; not its limit), best first, each ranked strictly before `worst` when
  // given. Hits carry `tag`.
  void Collect(const RecordQuery& query, size_t limit, const std::optional<RecordKey>& worst,
               uint32_t tag, std::vector<ChunkHit>* out) const;
  StoredRecord Materialize(LocalId local) const;
  // Adds this chunk's memory to `usage`.
  void AddMemory(MemoryUsage* usage) const;

 private:
  struct BatchInfo {
    uint64_t seq_start;
    uint32_t stream;
  };
  struct ActiveMaps;
  // The chunk-level part of a filter: which dictionary entries match.
  struct Resolved {
    int name = -1;                  // -1: any
    std::vector<uint8_t> batch_ok;  // empty: any
    std::vector<uint8_t> kvs_ok;    // empty: any
  };

  bool Resolve(const RecordFilter& filter, Resolved* r) const;
  bool Passes(const RecordFilter& filter, const Resolved& r, LocalId l) const;
  std::string_view Message(LocalId l) const {
    const uint32_t begin = l == 0 ? 0 : msg_end_[l - 1];
    return std::string_view(messages_).substr(begin, msg_end_[l] - begin);
  }
  RecordKey KeyOf(LocalId l) const { return {times_[l], (id_ << kChunkIdBits) | l}; }
  // Record numbers sorted by key; mu_ must be held (shared).
  std::shared_ptr<const std::vector<LocalId>> TimeOrder(uint32_t n) const;
  uint16_t InternStream(std::string_view agent_id, std::string_view boot_id);
  uint16_t InternName(std::string_view name);
  uint16_t InternKvs(const std::vector<protocol::Label>* kvs);

  const uint64_t id_;
  const uint32_t capacity_;
  mutable std::shared_mutex mu_;
  std::atomic<uint32_t> size_{0};
  std::atomic<int64_t> min_time_;
  std::atomic<int64_t> max_time_;
  bool sealed_ = false;

  std::vector<int64_t> times_;
  std::vector<uint32_t> msg_end_;
  std::string messages_;
  std::vector<uint16_t> batch_;
  std::vector<uint16_t> name_;
  std::vector<uint16_t> kvs_;
  std::vector<uint8_t> severity_;
  std::vector<uint8_t> state_;

  std::vector<std::pair<std::string, std::string>> streams_;  // agent_id, boot_id
  std::vector<BatchInfo> batches_;
  std::vector<std::string> names_;
  std::string kv_data_;  // attribute sets: (varint len, key, varint len, value)*
  std::vector<uint32_t> kv_end_;

  std::unique_ptr<TrigramIndexBuilder> builder_;            // until sealed
  std::unique_ptr<ActiveMaps> maps_;                        // until sealed
  std::unique_ptr<TrigramIndex> index_;                     // once sealed
  std::shared_ptr<const std::vector<LocalId>> time_order_;  // once sealed

  mutable std::mutex order_mu_;  // the active chunk's cached time order
  mutable std::shared_ptr<const std::vector<LocalId>> order_cache_;
};

}  // namespace lm::store::logs
