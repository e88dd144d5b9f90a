// Log file tailing: turns the configured log_inputs into log records, in file order, and
// says exactly how far each input has been read after any prefix of those records, so the
// agent can commit that position atomically with the queued batch that carries them.
//
// Position model. For every input (keyed by input name + configured path) the cursor holds
// the identity of the file being read (st_dev, st_ino), the byte offset of the next unread
// byte, and a fingerprint: a hash of up to kFingerprintBytes bytes just before that offset.
// On each Read the tailer finds where that position now lives:
//   * the configured path still has the same dev/inode and the fingerprint still matches:
//     read on from the offset;
//   * the configured path is a different file (rename rotation, e.g. `create`): the old
//     file is looked up by dev/inode among the siblings named <basename>.<suffix> or
//     <basename>-<suffix> in the same directory and drained to its last complete line
//     before reading the new file from offset 0. The old file then stays in the cursor as
//     a draining position (TailCursor::DrainKey): a writer keeps appending to it until it
//     reopens the path (e.g. on a postrotate signal), so every Read first reads the
//     input's draining files on from their positions, and a drain ends once its file has
//     been idle for rotate_wait_ms at its last complete line, or is deleted, or can no
//     longer be found among the siblings; at most max_draining_files per input;
//   * the configured path is the same inode but shorter than the offset, or its bytes
//     before the offset no longer match the fingerprint (copytruncate): the copy is looked
//     up among the same siblings by fingerprint at the offset and drained first, then the
//     configured path is read from offset 0;
//   * when the old file (or the copy) has been read to its end, files rotated away after
//     it and before the configured path's file (the tailer was behind by more than one
//     rotation, or stopped across several) are read from offset 0, oldest first by
//     modification time (FindRotatedSuccessor; draining files excluded), before the
//     configured path is read from offset 0;
//   * the old file cannot be found there but the configured path holds the cursor's bytes
//     (offset >= kFingerprintBytes and the fingerprint matches at the offset): the file's
//     identity changed without rotation (e.g. device numbers renumbered across a reboot);
//     reading goes on from the offset of the configured path;
//   * otherwise the old file is lost: a warning is logged and reading restarts at offset 0
//     of the configured path (lines only in the lost file are gone; the limitation is
//     documented). When the configured path is missing too, the input's position is
//     dropped from the cursor, so the next file to appear there is read from offset 0.
// Moving on to the configured path's file at offset 0, after an old file, a copy or
// rotated successors were read to their end, counts only once a complete line was read
// from it: until then the position stays at the end of the file read before (not yet
// draining it; when nothing at all was read, as if the move was never made) and every
// Read makes the same move again. At offset 0 there are no bytes to fingerprint, so a
// cursor saved there could not tell after a restart that the file was copytruncated
// meanwhile, and the copy's lines would be lost; from the end of the file read before,
// the copy is found as a rotated successor.
// While the configured path is missing, the old file found as above is still read (the
// writer may append to it until it reopens), and its trailing partial line is kept; once
// such a file has been deleted and read to its end, the position is dropped as above.
// The tailer keeps the file of each input's latest position open between Reads; when a
// Read starts from that same position it reads that open file even if it is no longer
// findable by name (deleted or moved away), so only a restart or a rewound cursor depends
// on the sibling lookup.
// A missing configured path is not an error (nothing is read until it appears); an
// existing path that is not a regular file is an error for that input (CheckInputs
// refuses it at start-up; at Read time the input is skipped and the error reported in
// TailChunk::errors, while the other inputs are still read).
//
// Line rules: only complete '\n'-terminated lines become records (a trailing partial line
// waits for its newline; a partial line left at the end of a rotated file is dropped with
// a warning when the tailer stops reading that file). The newline (and a preceding '\r') is not
// part of the message. Invalid UTF-8 is replaced lossily and the record carries the attribute
// encoding=utf8_lossy. A line longer than max_message_bytes (also when only its lossy
// replacement is), or longer than max_line_window bytes before its '\n' (so it cannot be
// read within the bounded window), becomes one omission-marker record (message
// "[lightmetrics: log line of N bytes omitted: <reason>]" with N the line's length without
// its terminator, cut to max_message_bytes if even the marker is longer; attribute
// omitted_bytes=N) and the offset moves past the whole line once its newline has been seen.
// Such a line is scanned, never held in memory: memory stays within max_line_window plus a
// read block. Empty lines become records with an empty message.
//
// Record shape: time = the Read's now_unix_nano, severity kUnspecified, target = input
// name, attributes input=<name>, path=<configured path>, plus encoding / omitted_bytes as
// above (at most four attributes).
//
// Thread compatibility: a LogTailer is not thread safe; one thread owns it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "agent/logs/tail_cursor.h"
#include "common/result.h"
#include "config/agent_config.h"
#include "protocol/batch.h"

namespace lm::agent::logs {

// Records read by one Read, and the cursor after every prefix of them.
struct TailChunk {
  std::vector<protocol::LogRecord> records;
  // cursors.At(k) is the cursor after records[0..k) were consumed (cursors.size() ==
  // records.size() + 1; cursors.At(0) is the cursor Read started from, possibly advanced
  // past bytes that produce no record, such as a dropped partial line of a rotated file;
  // record-less moves made between records k-1 and k show in cursors.At(k)).
  CursorTrail cursors;
  // True when Read stopped because a budget was reached, not because every input was read
  // to its last complete line: the caller may Read again from cursors.back(). Only set when
  // a complete line was left unread.
  bool more = false;
  // Per-input problems met during this Read (non-regular path, open/read failure); the
  // inputs concerned contributed no records past the failure and keep their position.
  std::vector<Status> errors;

  // cursors.At(k); k must be <= records.size().
  TailCursor CursorAfter(size_t k) const { return cursors.At(k); }
};

struct TailerOptions {
  // Names unique, paths absolute without '\n' (as the config loader guarantees).
  std::vector<config::LogInputConfig> inputs;
  // How long a file rotated away by rename is still read after it was left or last grew
  // (0: not at all), and how many such files one input may drain at once.
  uint32_t rotate_wait_ms = 5000;
  size_t max_draining_files = 8;
  uint32_t max_message_bytes = 16384;   // longer lines become omission markers (>= 1)
  uint32_t max_line_window = 1 << 20;   // longest line the tailer will buffer to find '\n'
  uint32_t read_block_bytes = 1 << 16;  // size of each pread(2)
};

class LogTailer {
 public:
  explicit LogTailer(TailerOptions options);
  ~LogTailer();
  LogTailer(LogTailer&&) noexcept;
  LogTailer& operator=(LogTailer&&) noexcept;

  // Reads complete lines from the inputs, in configured input order, starting at `from`,
  // until `max_records` records or `max_bytes` message bytes are collected (at least one
  // record is returned when any line is available, even if it alone exceeds max_bytes) or
  // every input is at its last complete line. Per-input failures go to TailChunk::errors.
  // Lost files and dropped partial lines are logged as warnings (common/logging.h).
  TailChunk Read(const TailCursor& from, size_t max_records, size_t max_bytes,
                 int64_t now_unix_nano);

  // Start-up check: InvalidArgument naming the first configured path that exists but is
  // not a regular file (or whose directory cannot be read); Ok when every path is a
  // regular file or missing.
  Status CheckInputs() const;

 private:
  struct State;  // open files and the read buffer, reused across Reads
  TailerOptions options_;
  std::unique_ptr<State> state_;
};

}  // namespace lm::agent::logs
