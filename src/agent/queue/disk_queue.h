// The agent's durable FIFO queue of encoded batches, one directory per agent.
//
// Directory layout:
//   lock                          flock(2)ed while a DiskQueue is open (one owner per dir)
//   state                         JSON {"format":1,"boot_id":"<uuid>","next_seq":N,
//                                 "cursor":"<log cursor>"} (cursor optional), replaced
//                                 atomically (temp + fsync + rename + fsync(dir))
//   <seq_start, 20 digits>.rec    one queued batch (record_format.h); FIFO = sorted names
//   corrupt/                      records (and a state file) that failed verification
//   *.tmp*                        leftovers of interrupted writes; removed by Open
//
// Sequence numbers: the queue's boot_id (a random UUID made when the queue is created) is
// the BatchIdentity.boot_id of every batch it allocates. (boot_id, seq) pairs never repeat,
// even across crashes: Open sets next_seq = max(state.next_seq, highest seq seen in any
// record file + 1), Enqueue only makes a sequence number visible by durably writing its
// record, and before Remove unlinks a record that state.next_seq does not cover it durably
// advances state.next_seq to next_seq() + seq_reservation. That reserves a block of
// sequence numbers ahead, so the state file is rewritten once per block rather than once
// per batch; the price is that a restart continues after the reserved block, leaving a gap
// (allowed: identities only have to be unique). A lost or unreadable state file yields a
// fresh boot_id, which starts a new sequence space.
//
// Deletes: the unlink of an acknowledged record is not fsynced on its own; the next fsync
// of the directory (the next Enqueue or state write) makes it durable. A crash before that
// may bring the record back: it is uploaded again and the collector answers duplicate.
//
// Log cursor: each record may carry an opaque cursor (the log-tail position after the log
// records in its frame), written in the same atomic record file as the frame, so the
// position and the lines it covers become durable together. Cursor() is the cursor of the
// newest queued record that has one, else the last one saved in the state file; Remove
// saves a record's cursor into the state file before unlinking the record when no later
// record carries a cursor and the state file does not hold that cursor already. So after
// any crash Cursor() is the position after the newest queued or uploaded lines: nothing is
// skipped (delivery stays at least once).
//
// Thread compatibility: a DiskQueue is not thread safe; one thread owns it. Two processes
// cannot open the same directory (the second Open fails with FailedPrecondition).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/file_util.h"
#include "common/result.h"
#include "protocol/batch.h"

namespace lm::agent {

// One batch read back from the queue. The identity is the one inside the frame.
struct QueuedBatch {
  protocol::BatchIdentity identity;
  std::string frame;
};

class DiskQueue;
using DiskQueuePtr = std::unique_ptr<DiskQueue>;

// How many sequence numbers past next_seq() a state write by Remove reserves by default.
inline constexpr uint64_t kDefaultSeqReservation = 1024;

class DiskQueue {
 public:
  // Opens (creating when missing, mode 0700) the queue in `dir`, which may hold at most
  // `max_bytes` of record files (headers included; the state and corrupt/ do not count).
  // Removes leftover temp files; verifies every record (magic, length, CRC, a decodable
  // frame whose seq_start matches the file name) and moves each one that fails to
  // corrupt/ with an error log. A state write by Remove stores next_seq() +
  // `seq_reservation` (saturating; with 0 the state file is rewritten before nearly every
  // Remove). Returns FailedPrecondition when another process holds the directory,
  // IoError/PermissionDenied when it cannot be read or written.
  static Result<DiskQueuePtr> Open(const std::string& dir, uint64_t max_bytes,
                                   uint64_t seq_reservation = kDefaultSeqReservation);

  DiskQueue(const DiskQueue&) = delete;
  DiskQueue& operator=(const DiskQueue&) = delete;
  ~DiskQueue();

  // The boot id every batch allocated by this queue carries.
  const std::string& boot_id() const { return boot_id_; }
  // The sequence number the next enqueued batch must start at (>= 1).
  uint64_t next_seq() const { return next_seq_; }
  // {agent_id, boot_id(), next_seq(), next_seq()}: the identity of a one-sequence batch
  // that Enqueue will accept next.
  protocol::BatchIdentity NextIdentity(std::string agent_id) const;

  // Durably appends `frame`, whose embedded identity must equal `identity`, with
  // identity.boot_id == boot_id() and identity.seq_start == next_seq(); on success
  // next_seq() becomes identity.seq_end + 1. Returns InvalidArgument when the frame does
  // not decode or the identity breaks those rules, ResourceExhausted when the record would
  // take the queue over max_bytes (or the disk is full), IoError on other disk failures.
  // On failure nothing is queued and next_seq() is unchanged.
  // `cursor` (possibly empty: no position change) is stored with the record.
  Status Enqueue(std::string_view frame, const protocol::BatchIdentity& identity,
                 std::string_view cursor = {});

  // The committed log cursor (see above); empty when none was ever queued.
  const std::string& Cursor() const;

  // Returns the oldest queued batch (lowest seq_start), or nullopt when the queue is empty.
  // A record that no longer verifies is moved to corrupt/ (error log) and the next one is
  // returned instead. IoError when a record cannot be read.
  Result<std::optional<QueuedBatch>> Peek();

  // Deletes the queued batch with exactly `identity` (after the collector acknowledged
  // it): rewrites the state file first when its next_seq does not cover the record or the
  // record's cursor must be saved, then unlinks the record without an fsync of the
  // directory (a crash may bring the record back; see above). NotFound when no record has
  // identity.seq_start; FailedPrecondition when that record's identity differs; IoError when
  // the state write or the unlink fails (the record then stays queued, or reappears after
  // restart: delivery is at least once).
  Status Remove(const protocol::BatchIdentity& identity);

  // Number of queued records and their total size in bytes.
  size_t Size() const { return entries_.size(); }
  uint64_t Bytes() const { return bytes_; }

  const std::string& dir() const { return dir_; }

 private:
  struct Entry {
    protocol::BatchIdentity identity;
    std::string name;
    uint64_t bytes = 0;
    std::string cursor;
  };

  DiskQueue(std::string dir, uint64_t max_bytes, uint64_t seq_reservation, UniqueFd lock_fd);

  Status Load();
  // next_seq_ + seq_reservation_, saturating.
  uint64_t ReservedNextSeq() const;
  // Atomically replaces the state file; `next_seq` must not be below the persisted one.
  Status WriteState(uint64_t next_seq, const std::string& cursor);
  // Moves dir/name to corrupt/ and logs `why`. Failures to move are logged, not returned:
  // the caller skips the file either way.
  void MoveToCorrupt(const std::string& name, const Status& why);
  std::string PathOf(std::string_view name) const;

  std::string dir_;
  uint64_t max_bytes_;
  uint64_t seq_reservation_;
  UniqueFd lock_fd_;
  std::string boot_id_;
  uint64_t next_seq_ = 1;
  uint64_t persisted_next_seq_ = 0;    // next_seq in the state file on disk
  std::string state_cursor_;           // cursor in the state file on disk
  std::map<uint64_t, Entry> entries_;  // by seq_start
  uint64_t bytes_ = 0;
};

// The record file name of a batch starting at `seq_start`: 20 zero-padded digits + ".rec".
std::string RecordFileName(uint64_t seq_start);

}  // namespace lm::agent
