#include "collector/spool/spool.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include <fmt/format.h>
#include "common/logging.h"

#include "collector/spool/spool_format.h"
#include "common/crc32c.h"

namespace lm::collector {
namespace {

constexpr std::string_view kSegmentSuffix = ".seg";

void PutU32(std::string* s, uint32_t v) {
  for (int i = 0; i < 4; ++i) s->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

std::string SegmentName(uint64_t n) { return fmt::format("{:016d}{}", n, kSegmentSuffix); }

bool ParseSegmentName(const std::string& name, uint64_t* n) {
  if (name.size() != 16 + kSegmentSuffix.size() || !name.ends_with(kSegmentSuffix)) return false;
  uint64_t v = 0;
  for (size_t i = 0; i < 16; ++i) {
    if (name[i] < '0' || name[i] > '9') return false;
    v = v * 10 + static_cast<uint64_t>(name[i] - '0');
  }
  *n = v;
  return true;
}

// Writes every record of `batch` with writev(2), without joining them first; retries on
// EINTR and short writes.
template <typename Batch>
Status WriteRecords(int fd, const Batch& batch, const std::string& path) {
  std::vector<iovec> iov;
  iov.reserve(batch.size());
  for (const auto& p : batch) {
    iov.push_back({const_cast<char*>(p.bytes.data()), p.bytes.size()});
  }
  size_t first = 0;
  while (first < iov.size()) {
    const int count = static_cast<int>(std::min<size_t>(iov.size() - first, IOV_MAX));
    const ssize_t n = ::writev(fd, iov.data() + first, count);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(fmt::format("write {}", path), errno);
    }
    size_t left = static_cast<size_t>(n);
    while (first < iov.size() && left >= iov[first].iov_len) {
      left -= iov[first].iov_len;
      ++first;
    }
    if (left > 0) {
      iov[first].iov_base = static_cast<char*>(iov[first].iov_base) + left;
      iov[first].iov_len -= left;
    }
  }
  return Status::Ok();
}

// The segment numbers in `dir`, ascending.
Result<std::vector<uint64_t>> ListSegments(const std::string& dir) {
  LM_ASSIGN_OR_RETURN(std::vector<std::string> names, ListDir(dir));
  std::vector<uint64_t> segments;
  for (const auto& n : names) {
    uint64_t num;
    if (ParseSegmentName(n, &num)) segments.push_back(num);
  }
  std::sort(segments.begin(), segments.end());
  return segments;
}

}  // namespace

Status ScanSpool(const std::string& dir, const SpoolReplayFn& fn) {
  LM_ASSIGN_OR_RETURN(std::vector<uint64_t> segments, ListSegments(dir));
  for (uint64_t number : segments) {
    LM_ASSIGN_OR_RETURN(std::string data, ReadFile(JoinPath(dir, SegmentName(number))));
    ScanSegment(data, fn);
  }
  return Status::Ok();
}

Result<SpoolPosition> ReadSpoolFrom(const std::string& dir, SpoolPosition from,
                                    const SpoolRecordFn& fn) {
  LM_ASSIGN_OR_RETURN(std::vector<uint64_t> segments, ListSegments(dir));
  SpoolPosition at = from;
  for (size_t i = 0; i < segments.size(); ++i) {
    const uint64_t number = segments[i];
    if (number < from.segment) continue;
    const bool last = i + 1 == segments.size();
    const uint64_t start = number == from.segment ? from.offset : 0;
    const std::string path = JoinPath(dir, SegmentName(number));
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) return ErrnoStatus(fmt::format("open {}", path), errno);
    struct stat st;
    if (::fstat(fd.get(), &st) != 0) return ErrnoStatus(fmt::format("fstat {}", path), errno);
    const uint64_t size = static_cast<uint64_t>(st.st_size);
    std::string data;
    if (size > start) {
      data.resize(size - start);
      LM_RETURN_IF_ERROR(PreadAll(fd.get(), data.data(), data.size(), start, path));
    }
    bool stopped = false;
    SegmentScan scan = ScanSegment(data, [&](int64_t accepted, std::string_view frame) {
      if (stopped) return;
      const uint64_t end_offset =
          start + static_cast<uint64_t>(frame.data() + frame.size() - data.data());
      const SpoolPosition after{number, end_offset};
      if (!fn(after, accepted, frame)) {
        stopped = true;  // this record is not consumed
        return;
      }
      at = after;
    });
    if (stopped) return at;
    if (scan.why.empty() || last) {
      if (last) return at;
      continue;
    }
    // A corrupt record in an earlier segment: the rest of that segment is skipped.
    at = SpoolPosition{number + 1, 0};
  }
  return at;
}

std::string EncodeSpoolRecord(int64_t accepted_unix_ms, std::string_view frame) {
  // One buffer, one copy of the frame: header, then the body (time + frame), whose CRC is
  // filled in last.
  const size_t body_size = 8 + frame.size();
  std::string out;
  out.reserve(kSpoolRecordHeaderBytes + body_size);
  PutU32(&out, kSpoolRecordMagic);
  PutU32(&out, static_cast<uint32_t>(body_size));
  PutU32(&out, 0);
  for (int i = 0; i < 8; ++i) {
    out.push_back(static_cast<char>((static_cast<uint64_t>(accepted_unix_ms) >> (8 * i)) & 0xFF));
  }
  out.append(frame);
  const uint32_t crc = crc32c::Value(out.data() + kSpoolRecordHeaderBytes, body_size);
  for (int i = 0; i < 4; ++i) out[8 + i] = static_cast<char>((crc >> (8 * i)) & 0xFF);
  return out;
}

Result<std::unique_ptr<Spool>> Spool::Open(SpoolOptions options, const SpoolReplayFn& replay) {
  LM_RETURN_IF_ERROR(MakeDirs(options.dir, 0700));
  std::unique_ptr<Spool> spool(new Spool(std::move(options)));
  LM_RETURN_IF_ERROR(spool->Replay(replay));
  spool->committer_ = std::thread([s = spool.get()] { s->CommitLoop(); });
  return spool;
}

Status Spool::Replay(const SpoolReplayFn& replay) {
  LM_ASSIGN_OR_RETURN(std::vector<uint64_t> segments, ListSegments(options_.dir));
  for (size_t si = 0; si < segments.size(); ++si) {
    bool last = si + 1 == segments.size();
    std::string path = JoinPath(options_.dir, SegmentName(segments[si]));
    LM_ASSIGN_OR_RETURN(std::string data, ReadFile(path));
    SegmentScan scan = ScanSegment(data, [&](int64_t accepted, std::string_view frame) {
      replay(accepted, frame);
      stats_.records_replayed++;
    });
    if (scan.why.empty()) continue;
    const size_t off = scan.valid_bytes;
    const size_t left = data.size() - off;
    if (last) {
      // A torn tail from a crash during append: nothing in it was acknowledged.
      lm::log::Warn("spool: {} at offset {} of {}; truncating {} torn tail bytes", scan.why, off,
                    path, left);
      stats_.torn_tail_bytes += left;
      if (::truncate(path.c_str(), static_cast<off_t>(off)) != 0) {
        return ErrnoStatus(fmt::format("truncate {}", path), errno);
      }
    } else {
      lm::log::Error("spool: {} at offset {} of {}; skipping the rest of this segment", scan.why,
                     off, path);
      stats_.corrupt_records++;
    }
  }
  uint64_t next = segments.empty() ? 1 : segments.back();
  return OpenSegmentForAppend(next);
}

Status Spool::OpenSegmentForAppend(uint64_t number) {
  std::string path = JoinPath(options_.dir, SegmentName(number));
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
  if (!fd.valid()) return ErrnoStatus(fmt::format("open {}", path), errno);
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return ErrnoStatus(fmt::format("stat {}", path), errno);
  LM_RETURN_IF_ERROR(FsyncDir(options_.dir));
  fd_ = std::move(fd);
  segment_number_ = number;
  segment_size_ = static_cast<uint64_t>(st.st_size);
  return Status::Ok();
}

Spool::~Spool() { Close(); }

void Spool::Append(int64_t accepted_unix_ms, std::string_view frame,
                   std::function<void(Status)> done) {
  std::string bytes = EncodeSpoolRecord(accepted_unix_ms, frame);
  bool closed;
  {
    std::lock_guard lock(mu_);
    closed = closing_;
    if (!closed) pending_.push_back(Pending{std::move(bytes), std::move(done)});
  }
  if (closed) {
    done(Unavailable("spool is closed"));
    return;
  }
  cv_.notify_one();
}

void Spool::Close() {
  {
    std::lock_guard lock(mu_);
    if (closing_ && !committer_.joinable()) return;
    closing_ = true;
  }
  cv_.notify_one();
  if (committer_.joinable()) committer_.join();
}

SpoolStats Spool::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

Status Spool::WriteBatch(const std::deque<Pending>& batch) {
  if (segment_size_ >= options_.segment_bytes) {
    LM_RETURN_IF_ERROR(OpenSegmentForAppend(segment_number_ + 1));
  }
  size_t total = 0;
  for (const auto& p : batch) total += p.bytes.size();
  std::string path = JoinPath(options_.dir, SegmentName(segment_number_));
  Status w = WriteRecords(fd_.get(), batch, path);
  if (!w.ok()) {
    // Remove whatever part was written so that the segment ends at a record boundary.
    if (::ftruncate(fd_.get(), static_cast<off_t>(segment_size_)) != 0) {
      lm::log::Error("spool: cannot truncate {} after a failed write: {}", path,
                     std::strerror(errno));
    }
    return w;
  }
  if (::fdatasync(fd_.get()) != 0) {
    Status s = ErrnoStatus(fmt::format("fdatasync {}", path), errno);
    std::lock_guard lock(mu_);
    broken_ = true;
    return s;
  }
  segment_size_ += total;
  return Status::Ok();
}

void Spool::CommitLoop() {
  for (;;) {
    std::deque<Pending> batch;
    bool broken;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return closing_ || !pending_.empty(); });
      if (pending_.empty()) return;  // closing and drained
      batch.swap(pending_);
      broken = broken_;
    }
    Status s = broken ? Unavailable(
                            "spool is unavailable after an fsync failure; restart the "
                            "collector")
                      : WriteBatch(batch);
    if (!s.ok())
      lm::log::Error("spool: append of {} records failed: {}", batch.size(), s.ToString());
    {
      std::lock_guard lock(mu_);
      if (s.ok()) {
        stats_.records_appended += batch.size();
        stats_.commits++;
      }
    }
    for (auto& p : batch) p.done(s);
  }
}

}  // namespace lm::collector
