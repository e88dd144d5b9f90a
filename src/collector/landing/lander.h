// Landing: in local_spool mode with an object store, batches are acknowledged once they are
// in the local spool and copied to the object store afterwards, in spool order, every
// interval. Each record is written with objectstore::WriteAccepted (blob, conditional
// manifest, indexes), so landing is idempotent and safe next to other collectors:
//   * accepted or duplicate: landed;
//   * conflict (the store already holds the identity with other bytes, e.g. accepted by
//     another collector): the local frame goes to the quarantine and counts as landed;
//   * any other failure (store unavailable): the pass stops there and the next pass
//     retries from that record. Local acceptance is never reversed.
// The landed tail is recorded in `<spool>/.object-landed` (JSON {"format":1,"segment":N,
// "offset":M}, replaced atomically after each pass and every 256 records), so a restart
// resumes where landing stopped; records landed twice after a crash are duplicates.
//
// Thread safety: RunPass calls are serialised; stats() may be called from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "collector/quarantine/quarantine.h"
#include "collector/spool/spool.h"
#include "common/result.h"
#include "objectstore/object_store.h"

namespace lm::collector {

struct LanderOptions {
  std::string spool_dir = {};
  std::string collector_id = {};
  uint32_t interval_ms = 5000;
};

struct LanderStats {
  uint64_t landed = 0;      // records written (accepted or duplicate) since start
  uint64_t duplicates = 0;  // of which the store already held
  uint64_t conflicts = 0;   // quarantined
  uint64_t unreadable = 0;  // records whose frame no longer decodes (skipped, logged)
  uint64_t passes = 0;
  uint64_t failed_passes = 0;
  SpoolPosition landed_to;  // everything before this is landed
  int64_t last_pass_unix_ms = 0;
  std::string last_error;  // of the latest pass when it failed; empty after a full pass
};

class Lander {
 public:
  // Reads the landed marker (absent: from the start of the spool). DataLoss when the
  // marker exists but cannot be parsed. `store` and `quarantine` must outlive the lander.
  static Result<std::unique_ptr<Lander>> Open(LanderOptions options,
                                              objectstore::ObjectStore* store,
                                              Quarantine* quarantine);
  ~Lander();

  // Runs RunPass every interval_ms on a background thread until Stop.
  void Start();
  // Stops the thread (a pass in progress finishes its current record). Idempotent.
  void Stop();

  // Lands every record after the marker up to the spool's end or the first failure, which
  // is returned (Ok when everything was landed).
  Status RunPass();

  LanderStats stats() const;

  static std::string MarkerPath(const std::string& spool_dir);

 private:
  Lander(LanderOptions options, objectstore::ObjectStore* store, Quarantine* quarantine)
      : options_(std::move(options)), store_(store), quarantine_(quarantine) {}
  Status SaveMarker(SpoolPosition pos);

  LanderOptions options_;
  objectstore::ObjectStore* store_;
  Quarantine* quarantine_;
  std::mutex pass_mu_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::atomic<bool> stopping_{false};
  LanderStats stats_;
  std::thread thread_;
};

}  // namespace lm::collector
