// MemStore: the in-memory query cache of metric samples. It is a cache, never the source
// of truth: it is rebuilt from the spool at start-up and kept warm by ingest. Series are
// found through an inverted index (label name -> value -> sorted series ids). Each series
// keeps its samples in compressed chunks (store/chunk/chunk.h): immutable sealed chunks of
// up to chunk::kMaxSamples samples, shared with query snapshots, and one open head chunk
// that takes in-order appends. An out-of-order sample is merged into the chunk whose time
// span it falls in (or the next one) by decoding it and encoding its samples again, into
// two chunks when it overflows. Nothing is ever dropped or expired (no retention).
// Thread safe: appends and selects may run concurrently; a selection is a consistent
// snapshot of each series.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "store/appender.h"
#include "store/chunk/chunk.h"
#include "store/querier.h"

namespace lm::store {

class MemStore : public Querier, public Appender {
 public:
  MemStore() = default;
  MemStore(const MemStore&) = delete;
  MemStore& operator=(const MemStore&) = delete;

  void Append(const Labels& labels, int64_t t, double v) override;
  void AppendMany(const Labels& labels, const int64_t* ts, const double* vs, size_t n) override;
  // Keys seen before resolve through a hash map of keys to series, without Labels.
  void AppendKeyed(std::string_view key, const std::function<Labels()>& make_labels,
                   const int64_t* ts, const double* vs, size_t n) override;
  Result<std::vector<SeriesPtr>> Select(const std::vector<Matcher>& matchers, int64_t mint,
                                        int64_t maxt) const override;

  void NoteMetricType(std::string_view name, std::string_view type) override;
  std::vector<std::pair<std::string, std::string>> MetricTypes() const override;
  Result<std::vector<std::string>> LabelNames(const std::vector<Matcher>& matchers, int64_t mint,
                                              int64_t maxt) const override;
  Result<std::vector<std::string>> LabelValues(std::string_view name,
                                               const std::vector<Matcher>& matchers, int64_t mint,
                                               int64_t maxt) const override;

  size_t NumSeries() const;
  size_t NumSamples() const;
  // Approximate heap bytes held: series, labels, index, postings, key map, chunks and metric
  // types (the sizes requested from the allocator; not its per-allocation overhead). Walks
  // every series; meant for benchmarks and self-metrics, not for hot paths.
  size_t MemoryBytes() const;

 private:
  struct MemSeries {
    Labels labels;
    mutable std::mutex mu;
    // Guarded by mu. Sealed chunks in time order, without overlaps, all before the head.
    std::vector<chunk::ChunkPtr> sealed;
    chunk::ChunkBuilder head;  // empty only while the series has no samples
  };

  // The series of `labels` and its id, created when new.
  std::pair<uint32_t, MemSeries*> GetOrCreate(const Labels& labels);
  // The id of the series with `labels` and hash `hash`, or -1. mu_ held.
  int64_t FindLocked(const Labels& labels, uint64_t hash) const;
  // s->mu held.
  static void AppendLocked(MemSeries* s, int64_t t, double v);
  static void MergeLocked(MemSeries* s, int64_t t, double v);
  static bool HasSampleInLocked(const MemSeries& s, int64_t mint, int64_t maxt);
  static bool HasSampleIn(const MemSeries& s, int64_t mint, int64_t maxt);

  // Candidate ids from the equality postings, or all ids when no matcher narrows them.
  std::vector<uint32_t> Candidates(const std::vector<Matcher>& matchers) const;

  mutable std::shared_mutex mu_;
  // Labels::Hash() -> ids of the series with that hash; their labels are in series_ (not
  // copied here).
  std::unordered_multimap<uint64_t, uint32_t> ids_;
  // AppendKeyed's keys -> series ids; looked up by string_view without a copy.
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(std::string_view k) const { return std::hash<std::string_view>()(k); }
  };
  std::unordered_map<std::string, uint32_t, KeyHash, std::equal_to<>> key_ids_;
  std::vector<std::unique_ptr<MemSeries>> series_;
  std::map<std::string, std::map<std::string, std::vector<uint32_t>>, std::less<>> postings_;
  mutable std::mutex types_mu_;
  std::map<std::string, std::string, std::less<>> types_;
};

}  // namespace lm::store
