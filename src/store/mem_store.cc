#include "store/mem_store.h"

#include <algorithm>

namespace lm::store {
namespace {

// A snapshot of one series' samples within the selected range.
class SnapshotSeries : public Series {
 public:
  SnapshotSeries(Labels labels, std::vector<int64_t> ts, std::vector<double> vs)
      : labels_(std::move(labels)), ts_(std::move(ts)), vs_(std::move(vs)) {}

  const Labels& labels() const override { return labels_; }

  SeriesIteratorPtr Iterator() const override { return std::make_unique<Iter>(this); }

 private:
  class Iter : public SeriesIterator {
   public:
    explicit Iter(const SnapshotSeries* s) : s_(s) {}
    bool Seek(int64_t t) override {
      if (i_ < 0) i_ = 0;
      auto begin = s_->ts_.begin() + i_;
      i_ = std::lower_bound(begin, s_->ts_.end(), t) - s_->ts_.begin();
      return static_cast<size_t>(i_) < s_->ts_.size();
    }
    bool Next() override {
      ++i_;
      return static_cast<size_t>(i_) < s_->ts_.size();
    }
    int64_t t() const override { return s_->ts_[i_]; }
    double v() const override { return s_->vs_[i_]; }

   private:
    const SnapshotSeries* s_;
    std::ptrdiff_t i_ = -1;
  };

  Labels labels_;
  std::vector<int64_t> ts_;
  std::vector<double> vs_;
};

std::vector<uint32_t> Intersect(const std::vector<uint32_t>& a, const std::vector<uint32_t>& b) {
  std::vector<uint32_t> out;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

}  // namespace

MemStore::MemSeries* MemStore::GetOrCreate(const Labels& labels) {
  {
    std::shared_lock lock(mu_);
    auto it = ids_.find(labels);
    if (it != ids_.end()) return series_[it->second].get();
  }
  std::unique_lock lock(mu_);
  auto it = ids_.find(labels);
  if (it != ids_.end()) return series_[it->second].get();
  uint32_t id = static_cast<uint32_t>(series_.size());
  auto ms = std::make_unique<MemSeries>();
  ms->labels = labels;
  MemSeries* s = ms.get();
  series_.push_back(std::move(ms));
  ids_.emplace(labels, id);
  for (const Label& l : labels.items()) postings_[l.name][l.value].push_back(id);
  return s;
}

void MemStore::AppendLocked(MemSeries* s, int64_t t, double v) {
  if (s->ts.empty() || t > s->ts.back()) {
    s->ts.push_back(t);
    s->vs.push_back(v);
    return;
  }
  auto pos = std::lower_bound(s->ts.begin(), s->ts.end(), t);
  if (pos != s->ts.end() && *pos == t) return;
  auto idx = pos - s->ts.begin();
  s->ts.insert(pos, t);
  s->vs.insert(s->vs.begin() + idx, v);
}

void MemStore::Append(const Labels& labels, int64_t t, double v) {
  MemSeries* s = GetOrCreate(labels);
  std::lock_guard lock(s->mu);
  AppendLocked(s, t, v);
}

void MemStore::AppendMany(const Labels& labels, const int64_t* ts, const double* vs, size_t n) {
  if (n == 0) return;
  MemSeries* s = GetOrCreate(labels);
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
    s = GetOrCreate(make_labels());
    std::unique_lock lock(mu_);
    key_ids_.emplace(std::string(key), ids_.at(s->labels));
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
    std::lock_guard slock(s.mu);
    auto lo = std::lower_bound(s.ts.begin(), s.ts.end(), mint);
    auto hi = std::upper_bound(lo, s.ts.end(), maxt);
    if (lo == hi) continue;
    auto a = lo - s.ts.begin();
    auto b = hi - s.ts.begin();
    out.push_back(
        std::make_shared<SnapshotSeries>(s.labels, std::vector<int64_t>(lo, hi),
                                         std::vector<double>(s.vs.begin() + a, s.vs.begin() + b)));
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

bool MemStore::HasSampleIn(const MemSeries& s, int64_t mint, int64_t maxt) {
  std::lock_guard lock(s.mu);
  auto lo = std::lower_bound(s.ts.begin(), s.ts.end(), mint);
  return lo != s.ts.end() && *lo <= maxt;
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
    n += s->ts.size();
  }
  return n;
}

}  // namespace lm::store
