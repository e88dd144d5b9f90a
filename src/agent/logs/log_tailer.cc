#include "agent/logs/log_tailer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <string_view>
#include <utility>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "agent/logs/line_reader.h"
#include "agent/logs/rotation.h"
#include "common/file_util.h"
#include "common/utf8.h"

namespace lm::agent::logs {
namespace {

// The longest incomplete line worth keeping: anything longer is an omission marker anyway,
// because it exceeds the window or (with a '\r' allowed before its '\n') max_message_bytes.
uint32_t HoldLimit(const TailerOptions& options) {
  uint64_t message_line = static_cast<uint64_t>(options.max_message_bytes) + 1;
  return static_cast<uint32_t>(std::min<uint64_t>(options.max_line_window, message_line));
}

// IsValidUtf8 with a fast path over runs of ASCII, eight bytes at a time.
bool IsValidUtf8Fast(std::string_view s) {
  const char* p = s.data();
  size_t n = s.size();
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);
    if ((word & 0x8080808080808080ull) != 0) break;
  }
  for (; n > 0 && (static_cast<unsigned char>(*p) & 0x80) == 0; ++p, --n) {
  }
  // `p` follows ASCII bytes only, so it starts a character.
  return n == 0 || IsValidUtf8(std::string_view(p, n));
}

FilePosition StartOf(const struct stat& st) {
  FilePosition pos;
  pos.dev = st.st_dev;
  pos.ino = st.st_ino;
  return pos;
}

bool Identifies(const FilePosition& pos, const struct stat& st) {
  return pos.dev == static_cast<uint64_t>(st.st_dev) && pos.ino == static_cast<uint64_t>(st.st_ino);
}

// The file an input's latest position is in, kept open between Reads.
struct OpenFile {
  UniqueFd fd;
  uint64_t dev = 0;
  uint64_t ino = 0;

  bool Is(uint64_t d, uint64_t i) const { return fd.valid() && dev == d && ino == i; }
  void Set(UniqueFd f, uint64_t d, uint64_t i) {
    fd = std::move(f);
    dev = d;
    ino = i;
  }
};

// The records and cursor trail of one Read, within its budget.
class ChunkBuilder {
 public:
  ChunkBuilder(TailChunk* chunk, size_t max_records, size_t max_bytes)
      : chunk_(chunk), max_records_(max_records), max_bytes_(max_bytes) {}

  // False when the budget has no room for one more record of `message_bytes`: the Read
  // stops and reports more.
  bool Fits(size_t message_bytes) {
    size_t n = chunk_->records.size();
    if (n >= max_records_ || (n > 0 && bytes_ + message_bytes > max_bytes_)) {
      chunk_->more = true;
      return false;
    }
    return true;
  }
  void Add(protocol::LogRecord record) {
    bytes_ += record.message.size();
    chunk_->records.push_back(std::move(record));
    chunk_->cursors.Record();
  }
  CursorTrail& trail() { return chunk_->cursors; }

 private:
  TailChunk* chunk_;
  size_t max_records_;
  size_t max_bytes_;
  size_t bytes_ = 0;
};

// Reading one input within one Read: finds where its position lives now (see the position
// model in log_tailer.h), reads on from there and records every move in the trail.
class InputPass {
 public:
  InputPass(const config::LogInputConfig& input, const TailerOptions& options, uint32_t key,
            std::optional<FilePosition> position, OpenFile* open, LineReader* reader,
            ChunkBuilder* out, int64_t now_unix_nano)
      : input_(input),
        options_(options),
        key_(key),
        pos_(position),
        open_(open),
        reader_(reader),
        out_(out),
        now_(now_unix_nano) {}

  Status Run() {
    struct stat st;
    if (::stat(input_.path.c_str(), &st) != 0) {
      int err = errno;
      if (err != ENOENT) return ErrnoStatus(fmt::format("stat {}", input_.path), err);
      if (!pos_) return Status::Ok();  // nothing read yet, nothing there yet
      return AfterReplacement(nullptr);
    }
    if (!S_ISREG(st.st_mode)) {
      return InvalidArgument(fmt::format("{} exists but is not a regular file", input_.path));
    }
    if (!pos_) return ReadCurrent(st, StartOf(st)).status();
    if (Identifies(*pos_, st)) {
      if (static_cast<uint64_t>(st.st_size) >= pos_->offset) {
        LM_ASSIGN_OR_RETURN(int fd, OpenCurrent(st));
        if (fd < 0) return Status::Ok();
        LM_ASSIGN_OR_RETURN(Outcome outcome, ReadLines(fd, *pos_));
        if (outcome != Outcome::kMismatch) return Status::Ok();
      }
      return AfterTruncation(st);
    }
    return AfterReplacement(&st);
  }

 private:
  enum class Outcome {
    kEnd,       // read up to the last complete line (partial_ bytes follow it)
    kBudget,    // stopped: the Read's budget is used up
    kMismatch,  // the file does not hold the position (shorter, or other bytes before it)
  };

  // The configured path is the same file as the position but no longer holds its bytes:
  // copytruncate. Drains the copy, then reads the configured path from its start.
  Status AfterTruncation(const struct stat& st) {
    LM_ASSIGN_OR_RETURN(std::optional<RotatedFile> copy,
                        FindRotatedCopy(input_.path, *pos_, st.st_dev, st.st_ino));
    if (copy) {
      FilePosition at = *pos_;
      at.dev = copy->dev;
      at.ino = copy->ino;
      open_->Set(std::move(copy->fd), copy->dev, copy->ino);
      LM_ASSIGN_OR_RETURN(Outcome outcome, ReadLines(open_->fd.get(), at));
      if (outcome == Outcome::kBudget) return Status::Ok();
      if (outcome == Outcome::kEnd) WarnDroppedPartial();
      if (outcome == Outcome::kMismatch) {
        WarnLost("was truncated (copytruncate) and its copy changed");
      }
    } else {
      WarnLost("was truncated (copytruncate) and no rotated copy holds the unread bytes");
    }
    return ReadCurrent(st, StartOf(st)).status();
  }

  // The configured path is another file than the position's, or missing (`st` null):
  // rename rotation. Drains the old file, then reads the configured path from its start.
  Status AfterReplacement(const struct stat* st) {
    int old_fd = -1;
    if (open_->Is(pos_->dev, pos_->ino)) {
      old_fd = open_->fd.get();
    } else {
      LM_ASSIGN_OR_RETURN(std::optional<RotatedFile> old,
                          FindRotatedByIdentity(input_.path, pos_->dev, pos_->ino));
      if (old) {
        open_->Set(std::move(old->fd), old->dev, old->ino);
        old_fd = open_->fd.get();
      }
    }
    if (old_fd >= 0) {
      LM_ASSIGN_OR_RETURN(Outcome outcome, ReadLines(old_fd, *pos_));
      if (outcome == Outcome::kBudget) return Status::Ok();
      if (outcome == Outcome::kEnd) {
        if (st == nullptr) {
          // Without a successor the writer may still append to the old file: keep it,
          // unless it was deleted (only the descriptor kept here holds it): let it go.
          struct stat old;
          if (::fstat(old_fd, &old) != 0 || old.st_nlink > 0) return Status::Ok();
          WarnDroppedPartial();
          Forget();
          return Status::Ok();
        }
        WarnDroppedPartial();
        return ReadCurrent(*st, StartOf(*st)).status();
      }
      // kMismatch: the identity now names other bytes (inode reused).
    }
    if (st != nullptr && pos_->fingerprint_len == kFingerprintBytes &&
        static_cast<uint64_t>(st->st_size) >= pos_->offset) {
      // Same bytes under another identity (device renumbered): go on from the offset.
      FilePosition same = *pos_;
      same.dev = st->st_dev;
      same.ino = st->st_ino;
      LM_ASSIGN_OR_RETURN(Outcome outcome, ReadCurrent(*st, same));
      if (outcome != Outcome::kMismatch) return Status::Ok();
    }
    WarnLost(st == nullptr ? "was rotated away and not found among its rotated siblings"
                           : "was replaced and the old file is not among its rotated siblings");
    if (st == nullptr) {
      Forget();
      return Status::Ok();
    }
    return ReadCurrent(*st, StartOf(*st)).status();
  }

  // Reads the file at the configured path, which `st` describes, from `from`. kEnd without
  // reading when the path was replaced since `st` was taken: the next Read sees the change.
  Result<Outcome> ReadCurrent(const struct stat& st, const FilePosition& from) {
    LM_ASSIGN_OR_RETURN(int fd, OpenCurrent(st));
    if (fd < 0) return Outcome::kEnd;
    return ReadLines(fd, from);
  }

  // An open descriptor of the file `st` describes at the configured path (the kept one when
  // it is that file), or -1 when the path no longer names that file.
  Result<int> OpenCurrent(const struct stat& st) {
    if (open_->Is(st.st_dev, st.st_ino)) return open_->fd.get();
    UniqueFd fd(::open(input_.path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
    if (!fd.valid()) {
      int err = errno;
      if (err == ENOENT) return -1;
      return ErrnoStatus(fmt::format("open {}", input_.path), err);
    }
    struct stat now;
    if (::fstat(fd.get(), &now) != 0) {
      return ErrnoStatus(fmt::format("fstat {}", input_.path), errno);
    }
    if (now.st_dev != st.st_dev || now.st_ino != st.st_ino) return -1;
    open_->Set(std::move(fd), now.st_dev, now.st_ino);
    return open_->fd.get();
  }

  Result<Outcome> ReadLines(int fd, const FilePosition& from) {
    LM_ASSIGN_OR_RETURN(bool holds, reader_->Start(fd, from));
    if (!holds) return Outcome::kMismatch;
    MoveTo(from);
    LineReader::Line line;
    for (;;) {
      LM_ASSIGN_OR_RETURN(bool got, reader_->Next(&line));
      if (!got) {
        partial_ = reader_->partial_bytes();
        return Outcome::kEnd;
      }
      protocol::LogRecord record = MakeRecord(line);
      if (!out_->Fits(record.message.size())) return Outcome::kBudget;
      out_->Add(std::move(record));
      MoveTo(line.end);
    }
  }

  // Drops the input's position (the next file at the path is read from offset 0) and the
  // file kept open for it.
  void Forget() {
    open_->Set(UniqueFd(), 0, 0);
    out_->trail().Erase(key_);
    pos_.reset();
  }

  void MoveTo(const FilePosition& pos) {
    if (pos_ && *pos_ == pos) return;
    out_->trail().Set(key_, pos);
    pos_ = pos;
  }

  protocol::LogRecord MakeRecord(const LineReader::Line& line) const {
    protocol::LogRecord record;
    record.time_unix_nano = now_;
    record.target = input_.name;
    record.attributes.reserve(3);
    record.attributes.push_back({"input", input_.name});
    record.attributes.push_back({"path", input_.path});
    if (line.length > options_.max_message_bytes) {
      SetMarker(line, fmt::format("longer than max_message_bytes ({})", options_.max_message_bytes),
                &record);
    } else if (line.skipped || line.raw_length > options_.max_line_window) {
      SetMarker(line, fmt::format("longer than the {}-byte line window", options_.max_line_window),
                &record);
    } else if (IsValidUtf8Fast(line.content)) {
      record.message.assign(line.content);
    } else {
      std::string valid = ToValidUtf8(line.content);
      if (valid.size() > options_.max_message_bytes) {
        SetMarker(line,
                  fmt::format("longer than max_message_bytes ({}) once invalid UTF-8 is replaced",
                              options_.max_message_bytes),
                  &record);
      } else {
        record.message = std::move(valid);
        record.attributes.push_back({"encoding", "utf8_lossy"});
      }
    }
    return record;
  }

  void SetMarker(const LineReader::Line& line, std::string_view reason,
                 protocol::LogRecord* record) const {
    record->message =
        fmt::format("[lightmetrics: log line of {} bytes omitted: {}]", line.length, reason);
    // ASCII: any cut is at a character boundary.
    if (record->message.size() > options_.max_message_bytes) {
      record->message.resize(options_.max_message_bytes);
    }
    record->attributes.push_back({"omitted_bytes", std::to_string(line.length)});
  }

  void WarnDroppedPartial() const {
    if (partial_ == 0) return;
    spdlog::warn(
        "log input {}: dropping the {}-byte partial line at the end of the rotated file "
        "(device {}, inode {}); reading moves on to {}",
        input_.name, partial_, pos_->dev, pos_->ino, input_.path);
  }

  void WarnLost(std::string_view what) const {
    spdlog::warn(
        "log input {}: the file read up to offset {} (device {}, inode {}) {}; lines written "
        "to it after that offset are lost and reading restarts at offset 0 of {}",
        input_.name, pos_->offset, pos_->dev, pos_->ino, what, input_.path);
  }

  const config::LogInputConfig& input_;
  const TailerOptions& options_;
  uint32_t key_;
  std::optional<FilePosition> pos_;  // the input's latest position in the trail
  OpenFile* open_;
  LineReader* reader_;
  ChunkBuilder* out_;
  int64_t now_;
  uint64_t partial_ = 0;  // after kEnd: bytes of the incomplete last line
};

}  // namespace

struct LogTailer::State {
  explicit State(const TailerOptions& options)
      : reader(options.read_block_bytes, HoldLimit(options)), open(options.inputs.size()) {}

  LineReader reader;
  std::vector<OpenFile> open;  // per input
};

LogTailer::LogTailer(TailerOptions options)
    : options_(std::move(options)), state_(std::make_unique<State>(options_)) {}

LogTailer::~LogTailer() = default;
LogTailer::LogTailer(LogTailer&&) noexcept = default;
LogTailer& LogTailer::operator=(LogTailer&&) noexcept = default;

TailChunk LogTailer::Read(const TailCursor& from, size_t max_records, size_t max_bytes,
                          int64_t now_unix_nano) {
  TailChunk chunk;
  chunk.cursors = CursorTrail(from);
  ChunkBuilder out(&chunk, max_records, max_bytes);
  for (size_t i = 0; i < options_.inputs.size() && !chunk.more; ++i) {
    const config::LogInputConfig& input = options_.inputs[i];
    std::string key = TailCursor::Key(input.name, input.path);
    std::optional<FilePosition> start;
    auto it = from.positions().find(key);
    if (it != from.positions().end()) start = it->second;
    uint32_t key_id = chunk.cursors.AddKey(std::move(key));
    InputPass pass(input, options_, key_id, start, &state_->open[i], &state_->reader, &out,
                   now_unix_nano);
    Status status = pass.Run();
    if (!status.ok()) {
      chunk.errors.push_back(
          status.WithContext(fmt::format("log input {} ({})", input.name, input.path)));
    }
  }
  return chunk;
}

Status LogTailer::CheckInputs() const {
  for (const config::LogInputConfig& input : options_.inputs) {
    struct stat st;
    if (::stat(input.path.c_str(), &st) == 0) {
      if (S_ISREG(st.st_mode)) continue;
      return InvalidArgument(
          fmt::format("log input {}: {} exists but is not a regular file", input.name, input.path));
    }
    int err = errno;
    if (err == ENOENT) continue;
    return InvalidArgument(fmt::format("log input {}: cannot stat {}: {}", input.name, input.path,
                                       std::strerror(err)));
  }
  return Status::Ok();
}

}  // namespace lm::agent::logs
