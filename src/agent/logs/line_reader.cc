#include "agent/logs/line_reader.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "agent/logs/fingerprint.h"

namespace lm::agent::logs {
namespace {

// pread(2) retrying EINTR; stops early only at the end of the file.
Result<size_t> PreadSome(int fd, char* buf, size_t n, uint64_t offset) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = ::pread(fd, buf + got, n - got, static_cast<off_t>(offset + got));
    if (r < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("read", errno);
    }
    if (r == 0) break;
    got += static_cast<size_t>(r);
  }
  return got;
}

}  // namespace

LineReader::LineReader(uint32_t read_block_bytes, uint32_t hold_limit)
    : block_(std::max<uint32_t>(read_block_bytes, 1)),
      hold_limit_(std::max<uint32_t>(hold_limit, 1)),
      // Context before the pending line + the pending line + one block: see Fill.
      capacity_(kFingerprintBytes + hold_limit_ + block_) {}

Result<bool> LineReader::Start(int fd, const FilePosition& pos) {
  if (!buf_) buf_.reset(new char[capacity_]);
  if (pos.fingerprint_len > kFingerprintBytes || pos.fingerprint_len > pos.offset) return false;
  fd_ = fd;
  start_ = pos;
  skip_ = false;
  skip_len_ = 0;
  // The first read starts at the fingerprint bytes: they are verified and then serve as the
  // context of the first line's fingerprint.
  size_t context = pos.fingerprint_len;
  base_ = pos.offset - context;
  size_t want = context + block_;
  LM_ASSIGN_OR_RETURN(size_t got, PreadSome(fd_, buf_.get(), want, base_));
  if (got < context) return false;
  if (context > 0 && FingerprintHash(std::string_view(buf_.get(), context)) != pos.fingerprint) {
    return false;
  }
  if (context == 0 && pos.offset > 0) {
    // No bytes to compare (a cursor from elsewhere); at least the file must reach the offset.
    LM_ASSIGN_OR_RETURN(bool reaches, FingerprintMatches(fd_, pos));
    if (!reaches) return false;
  }
  begin_ = scan_ = context;
  end_ = got;
  eof_ = got < want;
  return true;
}

// Keeps kFingerprintBytes before begin_ (the next line's fingerprint may reach back that
// far), then reads one block after end_. Outside skip mode the pending line is at most
// hold_limit_ bytes here (Next checks before calling), so after compaction at least
// block_ bytes are free; in skip mode nothing after begin_ is kept.
Result<bool> LineReader::Fill() {
  if (capacity_ - end_ < block_) {
    size_t keep_from = begin_ > kFingerprintBytes ? begin_ - kFingerprintBytes : 0;
    std::memmove(buf_.get(), buf_.get() + keep_from, end_ - keep_from);
    base_ += keep_from;
    begin_ -= keep_from;
    scan_ -= keep_from;
    end_ -= keep_from;
  }
  LM_ASSIGN_OR_RETURN(size_t got, PreadSome(fd_, buf_.get() + end_, block_, base_ + end_));
  end_ += got;
  if (got < block_) eof_ = true;
  return got > 0;
}

void LineReader::SetEnd(Line* line) const {
  size_t context = std::min(begin_, kFingerprintBytes);
  line->end = start_;
  line->end.offset = base_ + begin_;
  line->end.fingerprint_len = static_cast<uint32_t>(context);
  line->end.fingerprint = FingerprintHash(std::string_view(buf_.get() + begin_ - context, context));
}

Result<bool> LineReader::Next(Line* line) {
  for (;;) {
    char* buf = buf_.get();
    if (!skip_) {
      const void* nl = std::memchr(buf + scan_, '\n', end_ - scan_);
      if (nl != nullptr) {
        size_t at = static_cast<const char*>(nl) - buf;
        size_t raw = at - begin_;
        size_t cr = raw > 0 && buf[at - 1] == '\r' ? 1 : 0;
        line->content = std::string_view(buf + begin_, raw - cr);
        line->length = raw - cr;
        line->raw_length = raw;
        line->skipped = false;
        begin_ = scan_ = at + 1;
        SetEnd(line);
        return true;
      }
      scan_ = end_;
      if (end_ - begin_ > hold_limit_) {
        // Too long to keep: remember its length and last byte, drop its bytes.
        skip_ = true;
        skip_len_ = end_ - begin_;
        skip_last_ = buf[end_ - 1];
        begin_ = scan_ = end_;
      }
    } else {
      const void* nl = std::memchr(buf + begin_, '\n', end_ - begin_);
      if (nl != nullptr) {
        size_t at = static_cast<const char*>(nl) - buf;
        skip_len_ += at - begin_;
        if (at > begin_) skip_last_ = buf[at - 1];
        uint64_t cr = skip_len_ > 0 && skip_last_ == '\r' ? 1 : 0;
        line->content = {};
        line->length = skip_len_ - cr;
        line->raw_length = skip_len_;
        line->skipped = true;
        skip_ = false;
        skip_len_ = 0;
        begin_ = scan_ = at + 1;
        SetEnd(line);
        return true;
      }
      skip_len_ += end_ - begin_;
      if (end_ > begin_) skip_last_ = buf[end_ - 1];
      begin_ = scan_ = end_;
    }
    if (eof_) return false;
    LM_ASSIGN_OR_RETURN(bool got, Fill());
    if (!got) return false;
  }
}

}  // namespace lm::agent::logs
