#include "agent/logs/log_tailer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <list>
#include <optional>
#include <set>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include "common/logging.h"

#include "agent/logs/line_reader.h"
#include "agent/logs/rotation.h"
#include "common/file_util.h"
#include "common/utf8.h"

namespace lm::agent::logs {
namespace {

// The most rotated-away files one Read walks through before the configured path's file.
constexpr size_t kMaxSuccessorHops = 1000;

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

// The files kept open for one input: the one its current position is in, and those of its
// draining positions. std::list: InputPass holds pointers to elements.
struct InputFiles {
  OpenFile current;
  std::list<OpenFile> draining;

  OpenFile* FindDraining(uint64_t dev, uint64_t ino) {
    for (OpenFile& f : draining) {
      if (f.Is(dev, ino)) return &f;
    }
    return nullptr;
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
  // `open` is the file slot of `position`: files->current for the input's current
  // position, an element of files->draining for a draining one (`draining`).
  InputPass(const config::LogInputConfig& input, const TailerOptions& options, uint32_t key,
            std::optional<FilePosition> position, OpenFile* open, InputFiles* files, bool draining,
            LineReader* reader, ChunkBuilder* out, int64_t now_unix_nano)
      : input_(input),
        options_(options),
        key_(key),
        pos_(position),
        open_(open),
        files_(files),
        draining_(draining),
        reader_(reader),
        out_(out),
        now_(now_unix_nano),
        now_ms_(now_unix_nano / 1'000'000) {}

  // A draining position: reads what the writer appended to the rotated file since, and
  // ends the drain once the file has been idle for rotate_wait_ms at its last complete line
  // (or at once when it was deleted, or can no longer be found or no longer holds the
  // position).
  Status RunDraining() {
    if (!open_->Is(pos_->dev, pos_->ino)) {
      LM_ASSIGN_OR_RETURN(std::optional<RotatedFile> found,
                          FindRotatedByIdentity(input_.path, pos_->dev, pos_->ino));
      if (!found) {
        lm::log::Debug("log input {}: rotated file (device {}, inode {}) is gone; its drain ends",
                       input_.name, pos_->dev, pos_->ino);
        EndDrain();
        return Status::Ok();
      }
      open_->Set(std::move(found->fd), found->dev, found->ino);
    }
    LM_ASSIGN_OR_RETURN(Outcome outcome, ReadLines(open_->fd.get(), *pos_));
    if (outcome == Outcome::kBudget) return Status::Ok();
    if (outcome == Outcome::kMismatch) {
      lm::log::Warn(
          "log input {}: the rotated file read up to offset {} (device {}, inode {}) no longer "
          "holds the bytes before that offset; lines written to it later are lost",
          input_.name, pos_->offset, pos_->dev, pos_->ino);
      EndDrain();
      return Status::Ok();
    }
    struct stat st;
    const bool deleted = ::fstat(open_->fd.get(), &st) == 0 && st.st_nlink == 0;
    if (deleted || now_ms_ - pos_->idle_since_ms >= static_cast<int64_t>(options_.rotate_wait_ms)) {
      WarnDroppedPartial();
      EndDrain();
    }
    return Status::Ok();
  }

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
      if (outcome == Outcome::kEnd) {
        WarnDroppedPartial();
        struct stat done;
        if (::fstat(open_->fd.get(), &done) == 0) return ReadSuccessors(st, MtimeNanos(done));
      }
      if (outcome == Outcome::kMismatch) {
        WarnLost("was truncated (copytruncate) and its copy changed");
      }
    } else {
      WarnLost("was truncated (copytruncate) and no rotated copy holds the unread bytes");
    }
    return ReadCurrent(st, StartOf(st)).status();
  }

  // The file of the position was read to its end and was last modified at `after_ns`; `st`
  // describes the configured path. Files rotated away after it but before the configured
  // path's file was created (the tailer fell more than one rotation behind, or was not
  // running) are read first, oldest first (FindRotatedSuccessor), then the configured path
  // from offset 0. Draining files and the configured path's file are never taken for such
  // a successor: they are read already, or read next.
  Status ReadSuccessors(const struct stat& st, int64_t after_ns) {
    std::vector<std::pair<uint64_t, uint64_t>> exclude = DrainingIdentities();
    exclude.emplace_back(st.st_dev, st.st_ino);
    for (size_t hop = 0; hop < kMaxSuccessorHops; ++hop) {
      if (pos_) exclude.emplace_back(pos_->dev, pos_->ino);
      LM_ASSIGN_OR_RETURN(std::optional<RotatedFile> next,
                          FindRotatedSuccessor(input_.path, after_ns, exclude));
      if (!next) break;
      lm::log::Debug("log input {}: reading {}, rotated away before it was read", input_.name,
                     next->path);
      FilePosition start;
      start.dev = next->dev;
      start.ino = next->ino;
      open_->Set(std::move(next->fd), start.dev, start.ino);
      LM_ASSIGN_OR_RETURN(Outcome outcome, ReadLines(open_->fd.get(), start));
      if (outcome == Outcome::kBudget) return Status::Ok();
      if (outcome != Outcome::kEnd) break;
      WarnDroppedPartial();
      struct stat done;
      if (::fstat(open_->fd.get(), &done) != 0) break;
      after_ns = MtimeNanos(done);
    }
    const Undo before_current = Save();
    LM_RETURN_IF_ERROR(ReadCurrent(st, StartOf(st)).status());
    UndoEmptySwitch(before_current);
    return Status::Ok();
  }

  // (dev, ino) of every draining position of the input in the trail's latest cursor.
  std::vector<std::pair<uint64_t, uint64_t>> DrainingIdentities() {
    const std::string input_key = TailCursor::Key(input_.name, input_.path);
    std::vector<std::pair<uint64_t, uint64_t>> ids;
    const auto& positions = out_->trail().back().positions();
    for (auto it = positions.upper_bound(input_key);
         it != positions.end() && TailCursor::IsDrainKeyOf(it->first, input_key); ++it) {
      ids.emplace_back(it->second.dev, it->second.ino);
    }
    return ids;
  }

  // The configured path is another file than the position's, or missing (`st` null):
  // rename rotation. Drains the old file, then reads the configured path from its start.
  Status AfterReplacement(const struct stat* st) {
    int old_fd = -1;
    if (open_->Is(pos_->dev, pos_->ino)) {
      old_fd = open_->fd.get();
    } else if (OpenFile* kept = files_->FindDraining(pos_->dev, pos_->ino)) {
      old_fd = kept->fd.get();
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
        struct stat done;
        const bool have_mtime = ::fstat(old_fd, &done) == 0;
        const Undo before_switch = Save();
        StartDraining();
        if (have_mtime) {
          LM_RETURN_IF_ERROR(ReadSuccessors(*st, MtimeNanos(done)));
        } else {
          LM_RETURN_IF_ERROR(ReadCurrent(*st, StartOf(*st)).status());
        }
        UndoEmptySwitch(before_switch);
        return Status::Ok();
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

  void MoveTo(FilePosition pos) {
    if (draining_) {
      pos.idle_since_ms = pos_ && pos_->offset == pos.offset ? pos_->idle_since_ms : now_ms_;
    }
    if (pos_ && *pos_ == pos) return;
    out_->trail().Set(key_, pos);
    pos_ = pos;
  }

  // The current position's file was read to its last complete line and the configured
  // path names its successor: keep reading the old file as a draining position for
  // rotate_wait_ms (its writer may append until it reopens the path), moving its
  // descriptor to the draining slots. With rotate_wait_ms 0 the old file is left at once.
  void StartDraining() {
    if (options_.rotate_wait_ms == 0) {
      WarnDroppedPartial();
      return;
    }
    FilePosition drain = *pos_;
    drain.idle_since_ms = now_ms_;
    uint32_t key =
        out_->trail().AddKey(TailCursor::DrainKey(input_.name, input_.path, drain.dev, drain.ino));
    out_->trail().Set(key, drain);
    if (files_->FindDraining(drain.dev, drain.ino) == nullptr) {
      files_->draining.emplace_back();
      if (open_->Is(drain.dev, drain.ino)) {
        files_->draining.back().Set(std::move(open_->fd), drain.dev, drain.ino);
        open_->Set(UniqueFd(), 0, 0);
      }
    }
    LimitDraining();
  }

  // Keeps at most max_draining_files draining positions for the input: the ones idle the
  // longest are dropped first, with a warning.
  void LimitDraining() {
    const std::string input_key = TailCursor::Key(input_.name, input_.path);
    std::vector<std::pair<int64_t, std::string>> drains;
    const auto& positions = out_->trail().back().positions();
    for (auto it = positions.upper_bound(input_key);
         it != positions.end() && TailCursor::IsDrainKeyOf(it->first, input_key); ++it) {
      drains.emplace_back(it->second.idle_since_ms, it->first);
    }
    if (drains.size() <= options_.max_draining_files) return;
    std::sort(drains.begin(), drains.end());
    for (size_t i = 0; i + options_.max_draining_files < drains.size(); ++i) {
      lm::log::Warn(
          "log input {}: more than {} rotated files are still being drained; lines appended "
          "to the oldest of them from now on are not read",
          input_.name, options_.max_draining_files);
      out_->trail().Erase(out_->trail().AddKey(drains[i].second));
    }
  }

  // The trail and this pass's position at one moment (Save), to undo a switch to the
  // configured path's file that read no line from it (UndoEmptySwitch).
  struct Undo {
    CursorTrail::Mark trail;
    std::optional<FilePosition> pos;
  };
  Undo Save() const { return Undo{out_->trail().Save(), pos_}; }

  // Undoes the moves made since `undo` when no line was read since: moving on to the
  // configured path's file at offset 0 counts only with its first line (see the position
  // model in log_tailer.h: a cursor at offset 0 cannot reveal a later copytruncate).
  void UndoEmptySwitch(const Undo& undo) {
    if (out_->trail().RecordedSince(undo.trail)) return;
    out_->trail().Restore(undo.trail);
    pos_ = undo.pos;
  }

  // Ends a draining position (drops it from the cursor and closes its file).
  void EndDrain() {
    open_->Set(UniqueFd(), 0, 0);
    out_->trail().Erase(key_);
    pos_.reset();
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
    lm::log::Warn(
        "log input {}: dropping the {}-byte partial line at the end of the rotated file "
        "(device {}, inode {}); reading moves on to {}",
        input_.name, partial_, pos_->dev, pos_->ino, input_.path);
  }

  void WarnLost(std::string_view what) const {
    lm::log::Warn(
        "log input {}: the file read up to offset {} (device {}, inode {}) {}; lines written "
        "to it after that offset are lost and reading restarts at offset 0 of {}",
        input_.name, pos_->offset, pos_->dev, pos_->ino, what, input_.path);
  }

  const config::LogInputConfig& input_;
  const TailerOptions& options_;
  uint32_t key_;
  std::optional<FilePosition> pos_;  // this pass's latest position in the trail
  OpenFile* open_;
  InputFiles* files_;
  bool draining_;
  LineReader* reader_;
  ChunkBuilder* out_;
  int64_t now_;
  int64_t now_ms_;
  uint64_t partial_ = 0;  // after kEnd: bytes of the incomplete last line
};

}  // namespace

struct LogTailer::State {
  explicit State(const TailerOptions& options)
      : reader(options.read_block_bytes, HoldLimit(options)), files(options.inputs.size()) {}

  LineReader reader;
  std::vector<InputFiles> files;  // per input
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
    InputFiles& files = state_->files[i];
    std::string key = TailCursor::Key(input.name, input.path);
    auto report = [&](const Status& status) {
      if (status.ok()) return;
      chunk.errors.push_back(
          status.WithContext(fmt::format("log input {} ({})", input.name, input.path)));
    };
    // Rotated files first: their lines are older than the current file's.
    for (auto it = from.positions().upper_bound(key);
         it != from.positions().end() && TailCursor::IsDrainKeyOf(it->first, key) && !chunk.more;
         ++it) {
      const FilePosition& drain = it->second;
      OpenFile* slot = files.FindDraining(drain.dev, drain.ino);
      if (slot == nullptr) slot = &files.draining.emplace_back();
      uint32_t drain_id = chunk.cursors.AddKey(it->first);
      InputPass pass(input, options_, drain_id, drain, slot, &files, /*draining=*/true,
                     &state_->reader, &out, now_unix_nano);
      report(pass.RunDraining());
    }
    if (chunk.more) break;
    std::optional<FilePosition> start;
    auto it = from.positions().find(key);
    if (it != from.positions().end()) start = it->second;
    uint32_t key_id = chunk.cursors.AddKey(key);
    InputPass pass(input, options_, key_id, start, &files.current, &files, /*draining=*/false,
                   &state_->reader, &out, now_unix_nano);
    report(pass.Run());
  }
  // Close the draining files that neither the start nor the end cursor refers to.
  for (size_t i = 0; i < options_.inputs.size(); ++i) {
    const config::LogInputConfig& input = options_.inputs[i];
    const std::string key = TailCursor::Key(input.name, input.path);
    std::set<std::pair<uint64_t, uint64_t>> used;
    for (const TailCursor* cursor : {&from, &chunk.cursors.back()}) {
      for (auto it = cursor->positions().lower_bound(key);
           it != cursor->positions().end() &&
           (it->first == key || TailCursor::IsDrainKeyOf(it->first, key));
           ++it) {
        used.emplace(it->second.dev, it->second.ino);
      }
    }
    state_->files[i].draining.remove_if([&](const OpenFile& f) {
      return !f.fd.valid() || !used.count({f.dev, f.ino});
    });
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
