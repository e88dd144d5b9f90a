// Reconciliation: a repair pass over the accepted manifests that rebuilds missing derived
// index entries. The manifests are the authority; the indexes are repairable side effects
// (a collector may crash between creating a manifest and writing its indexes, or an index
// write may fail).
//
// A pass lists the accepted-by-time, accepted-by-blob and raw-by-time indexes and then the
// manifests; only for a manifest whose entries are missing is the manifest read and the
// missing entries written. Memory grows with the number of index entries (one short
// string each).
//
// Thread safety: a Reconciler runs one pass at a time (RunOnce calls are serialised);
// LastReport may be called from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "objectstore/object_store.h"

namespace lm::objectstore {

struct ReconcileReport {
  enum class State { kNever, kRunning, kOk, kPartial, kFailed };
  State state = State::kNever;
  int64_t started_unix_ms = 0;
  int64_t finished_unix_ms = 0;  // 0 while running
  uint64_t manifests_scanned = 0;
  uint64_t index_entries_scanned = 0;
  uint64_t repairs = 0;  // index entries written
  uint64_t errors = 0;
  std::vector<std::string> error_samples;  // the first few errors, for operators
};

std::string_view ReconcileStateName(ReconcileReport::State s);

// Called after each manifest page with the report so far (for a CLI progress line).
using ReconcileProgressFn = std::function<void(const ReconcileReport&)>;

class Reconciler {
 public:
  // `store` must outlive the reconciler.
  explicit Reconciler(ObjectStore* store) : store_(store) {}

  // Runs one pass and returns its report: kOk when everything was listed and every repair
  // succeeded, kPartial when some manifests could not be read or repaired (counted in
  // errors), kFailed when a listing failed (the pass stopped; Unavailable stores end
  // here).
  ReconcileReport RunOnce(const ReconcileProgressFn& progress = nullptr);

  // The report of the pass running now or the latest one (state kNever before any).
  ReconcileReport LastReport() const;

 private:
  void Publish(const ReconcileReport& r);

  ObjectStore* store_;
  std::mutex run_mu_;
  mutable std::mutex report_mu_;
  ReconcileReport last_;
};

}  // namespace lm::objectstore
