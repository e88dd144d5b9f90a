// Splits one open file into '\n'-terminated lines from a tail position, in bounded memory:
// a line is buffered only up to `hold_limit` bytes; a longer one is scanned past (memchr
// over successive blocks) without being kept, and reported as skipped with its length.
// Reads are large pread(2) blocks into one buffer allocated on first use and reused.
//
// Every line comes with the position after it, fingerprint included, which is why the
// reader keeps kFingerprintBytes of context before the unread bytes.
//
// Not thread safe; one LineReader serves one file at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "agent/logs/tail_cursor.h"
#include "common/result.h"

namespace lm::agent::logs {

class LineReader {
 public:
  // `read_block_bytes` (>= 1) is the least a refill reads; `hold_limit` (>= 1) is the
  // longest incomplete line kept in memory while its '\n' is searched for.
  LineReader(uint32_t read_block_bytes, uint32_t hold_limit);

  // Positions the reader at `pos` of `fd`, which it does not own and which must stay open
  // while lines are read. Returns false when the file no longer holds `pos`: it is shorter
  // than pos.offset or the bytes before the offset do not match the fingerprint. IoError
  // when the read fails.
  Result<bool> Start(int fd, const FilePosition& pos);

  struct Line {
    // The line without its '\n' and a '\r' just before it; valid until the next call.
    // Empty when `skipped`.
    std::string_view content;
    uint64_t length = 0;      // bytes of the content (of the whole line when skipped)
    uint64_t raw_length = 0;  // bytes before the '\n'
    bool skipped = false;     // longer than hold_limit: scanned past, not buffered
    FilePosition end;         // the position just after the '\n'
  };

  // The next complete line: true and `*line` set, or false when only an incomplete line
  // (partial_bytes() long) or nothing is left before the end of the file as seen by this
  // pass. IoError when a read fails.
  Result<bool> Next(Line* line);

  // After Next returned false: bytes after the last complete line.
  uint64_t partial_bytes() const { return skip_ ? skip_len_ : end_ - begin_; }

 private:
  Result<bool> Fill();
  void SetEnd(Line* line) const;

  size_t block_;
  size_t hold_limit_;
  size_t capacity_;
  std::unique_ptr<char[]> buf_;

  int fd_ = -1;
  FilePosition start_;  // identity of the file being read
  uint64_t base_ = 0;   // file offset of buf_[0]
  size_t begin_ = 0;    // first unread byte
  size_t scan_ = 0;     // bytes [begin_, scan_) hold no '\n'
  size_t end_ = 0;      // end of the valid bytes
  bool eof_ = false;    // the last read came back short
  bool skip_ = false;   // scanning past an over-long line
  uint64_t skip_len_ = 0;
  char skip_last_ = 0;  // last byte of the skipped line seen so far
};

}  // namespace lm::agent::logs
