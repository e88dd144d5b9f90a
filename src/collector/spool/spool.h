// The local spool: an append-only, CRC-checked log of accepted frames in numbered segment
// files under one directory. It is the durability point of local_spool acceptance: a batch
// is acknowledged only after its record is fsynced. Concurrent appends are group committed:
// one committer thread writes every pending record, issues one fdatasync and then completes
// all of them, so requests share the fsync cost instead of skipping it.
//
// Thread safe. Completion callbacks run on the committer thread and must not block on the
// spool.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "common/file_util.h"
#include "common/result.h"

namespace lm::collector {

struct SpoolOptions {
  std::string dir;
  uint64_t segment_bytes = 64ull << 20;  // a new segment starts once this size is reached
};

struct SpoolStats {
  uint64_t records_replayed = 0;
  uint64_t records_appended = 0;
  uint64_t commits = 0;          // fdatasync calls that completed appends
  uint64_t torn_tail_bytes = 0;  // bytes dropped from the end of the last segment at open
  uint64_t corrupt_records = 0;  // invalid records skipped in earlier segments at open
};

// Called at open for every valid record, oldest first.
using SpoolReplayFn = std::function<void(int64_t accepted_unix_ms, std::string_view frame)>;

class Spool {
 public:
  // Opens (creating if needed) the spool in options.dir, replays every valid record through
  // `replay`, truncates a torn tail of the last segment (reported in the log and in stats)
  // and starts the committer. Errors: IoError when the directory or a segment cannot be
  // read or written.
  static Result<std::unique_ptr<Spool>> Open(SpoolOptions options, const SpoolReplayFn& replay);

  ~Spool();
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;

  // Queues a record; `done` receives Ok once it is durable, or the error that prevented it
  // (the record is then not in the spool). After a failed fsync the spool refuses further
  // appends with Unavailable until restart, because the kernel may have dropped dirty pages.
  void Append(int64_t accepted_unix_ms, std::string_view frame, std::function<void(Status)> done);

  // Completes pending appends and stops the committer. Idempotent; Append afterwards fails.
  void Close();

  SpoolStats stats() const;

 private:
  explicit Spool(SpoolOptions options) : options_(std::move(options)) {}

  struct Pending {
    std::string bytes;
    std::function<void(Status)> done;
  };

  Status Replay(const SpoolReplayFn& replay);
  Status OpenSegmentForAppend(uint64_t number);
  void CommitLoop();
  Status WriteBatch(const std::deque<Pending>& batch);

  SpoolOptions options_;
  UniqueFd fd_;
  uint64_t segment_number_ = 0;
  uint64_t segment_size_ = 0;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending> pending_;
  bool closing_ = false;
  bool broken_ = false;
  SpoolStats stats_;
  std::thread committer_;
};

using SpoolPtr = std::unique_ptr<Spool>;

// A place in the spool: the byte offset in a segment. Records are read "after" a position,
// i.e. starting at it.
struct SpoolPosition {
  uint64_t segment = 0;
  uint64_t offset = 0;
  auto operator<=>(const SpoolPosition&) const = default;
};

// Called for each record with the position right after it; return false to stop before
// consuming it (the returned position then stays before the record).
using SpoolRecordFn =
    std::function<bool(SpoolPosition after, int64_t accepted_unix_ms, std::string_view frame)>;

// Reads the valid records at and after `from`, oldest first, without changing anything (it
// may run while the spool appends; a record being appended ends the read until the next
// call). A segment whose records stop early because of a corrupt record (not the last
// segment) is skipped from there, as at replay. Returns the position after the last record
// passed to `fn` (`from` when none). IoError when a segment cannot be read.
Result<SpoolPosition> ReadSpoolFrom(const std::string& dir, SpoolPosition from,
                                    const SpoolRecordFn& fn);

// Reads every valid record of the spool in `dir`, oldest first, without changing anything,
// so it may run while a collector appends (for tools and tests). Each segment is read up to
// its first invalid record, which may be one being appended right now. IoError when the
// directory or a segment cannot be read.
Status ScanSpool(const std::string& dir, const SpoolReplayFn& fn);

}  // namespace lm::collector
