// Tail positions: how far each configured log input has been read, in a form that survives
// restarts and rotations (see log_tailer.h for how a position is found again), and the
// trail of positions after every prefix of the records one LogTailer::Read returned.
//
// Value types; thread compatible.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace lm::agent::logs {

inline constexpr size_t kFingerprintBytes = 64;

// Where one input has been read up to.
struct FilePosition {
  uint64_t dev = 0;
  uint64_t ino = 0;
  uint64_t offset = 0;           // next unread byte of the file (dev, ino)
  uint32_t fingerprint_len = 0;  // bytes hashed, min(offset, kFingerprintBytes)
  uint64_t fingerprint = 0;      // FingerprintHash of those bytes; unused when there are none
  // Draining positions only (see TailCursor::DrainKey): when the file was left for its
  // successor or last grew, in Unix milliseconds.
  int64_t idle_since_ms = 0;
  bool operator==(const FilePosition&) const = default;
};

// The positions of all inputs. Inputs absent from the cursor start at offset 0 of whatever
// file is at their path when first seen (the whole existing file is read).
//
// Besides its current position (under Key), an input may have draining positions (under
// DrainKey): files it has rotated away from that are still read for lines their writer
// appends before it reopens the path (see log_tailer.h).
class TailCursor {
 public:
  // Key of an input: name + '\n' + path (names and paths never contain '\n').
  static std::string Key(std::string_view input_name, std::string_view path);
  // Key of a draining file (dev, ino) of an input: Key + '\n' + "<dev>:<ino>". Sorts right
  // after the input's Key.
  static std::string DrainKey(std::string_view input_name, std::string_view path, uint64_t dev,
                              uint64_t ino);
  // True when `key` is a DrainKey of the input whose Key is `input_key`.
  static bool IsDrainKeyOf(std::string_view key, std::string_view input_key);

  const std::map<std::string, FilePosition>& positions() const { return positions_; }
  std::map<std::string, FilePosition>& mutable_positions() { return positions_; }

  // A compact, versioned text form (JSON) stored with queued batches. Keys must have been
  // built by Key() or DrainKey().
  std::string Encode() const;
  // InvalidArgument when `text` is not something Encode produced (malformed JSON, unknown
  // version, missing or mistyped fields, fingerprint_len > min(offset, kFingerprintBytes),
  // duplicate inputs or draining files). Empty text decodes to an empty cursor. Version 1
  // (no draining files) is still read.
  static Result<TailCursor> Decode(std::string_view text);

  bool operator==(const TailCursor&) const = default;

 private:
  std::map<std::string, FilePosition> positions_;
};

// The cursors after every prefix of a chunk of records: At(k) is the cursor after the first
// k records were consumed, for 0 <= k < size(). Stored as the start cursor plus the position
// changes made while reading (one per record, plus the few record-less moves such as
// switching to a rotated file's successor), so a chunk costs no map copy per record.
// At(k) costs O(changes up to k); back() is kept up to date.
class CursorTrail {
 public:
  CursorTrail() = default;
  explicit CursorTrail(TailCursor start);

  // records + 1.
  size_t size() const { return records_ + 1; }
  // The cursor after the first k records; k must be < size().
  TailCursor At(size_t k) const;
  // At(size() - 1): where the next Read continues.
  const TailCursor& back() const { return end_; }

  // Building (LogTailer::Read). A key is registered once; Set and Erase change its position
  // from the current cursor on; Record() closes the current cursor: one more record.
  uint32_t AddKey(std::string key);
  void Set(uint32_t key, const FilePosition& position);
  void Erase(uint32_t key);
  void Record() { ++records_; }

  // The trail at one moment, so that position changes made after it can be undone.
  struct Mark {
    size_t records = 0;
    size_t changes = 0;
    TailCursor end;
  };
  Mark Save() const { return Mark{records_, changes_.size(), end_}; }
  // True when a record was added since `mark`.
  bool RecordedSince(const Mark& mark) const { return records_ != mark.records; }
  // Undoes every Set and Erase made since `mark`; no record may have been added since.
  void Restore(const Mark& mark);

 private:
  struct Change {
    size_t point;  // first cursor index the change is visible in
    uint32_t key;  // index into keys_
    bool erase;
    FilePosition position;
  };

  TailCursor start_;
  TailCursor end_;
  std::vector<std::string> keys_;
  std::vector<Change> changes_;
  size_t records_ = 0;
};

}  // namespace lm::agent::logs
