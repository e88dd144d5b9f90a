#include "agent/queue/disk_queue.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <charconv>
#include <limits>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include "common/logging.h"

#include "agent/queue/record_format.h"
#include "common/random.h"
#include "protocol/batch_codec.h"
#include "protocol/limits.h"

namespace lm::agent {
namespace {

constexpr std::string_view kLockName = "lock";
constexpr std::string_view kStateName = "state";
constexpr std::string_view kCorruptDir = "corrupt";
constexpr std::string_view kRecordSuffix = ".rec";
constexpr size_t kSeqDigits = 20;
constexpr int kStateFormat = 1;

Status ResourceExhausted(std::string msg) {
  return Status(StatusCode::kResourceExhausted, std::move(msg));
}

std::optional<uint64_t> ParseRecordName(std::string_view name) {
  if (name.size() != kSeqDigits + kRecordSuffix.size() || !name.ends_with(kRecordSuffix)) {
    return std::nullopt;
  }
  uint64_t seq = 0;
  const char* end = name.data() + kSeqDigits;
  if (!std::all_of(name.data(), end, [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  auto [ptr, ec] = std::from_chars(name.data(), end, seq);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return seq;
}

// The queue only ever holds frames this agent encoded, so decoding them needs no limits
// beyond the record format's own; it still validates identity, names and timestamps.
protocol::DecodeLimits OwnFrameLimits() {
  protocol::DecodeLimits l;
  constexpr uint32_t kNoLimit = std::numeric_limits<uint32_t>::max();
  l.max_frame_bytes = kMaxRecordFrameBytes;
  l.max_series_per_batch = kNoLimit;
  l.max_labels_per_series = kNoLimit;
  l.max_label_key_bytes = kNoLimit;
  l.max_label_value_bytes = kNoLimit;
  l.max_samples_per_series = kNoLimit;
  l.max_buckets_per_histogram = kNoLimit;
  l.max_logs_per_batch = kNoLimit;
  l.max_log_message_bytes = kNoLimit;
  l.max_alerts_per_batch = kNoLimit;
  return l;
}

Result<protocol::BatchIdentity> FrameIdentity(std::string_view frame) {
  auto batch = protocol::DecodeBatchFrame(frame, OwnFrameLimits());
  if (!batch.ok()) return DataLoss("frame does not decode: " + batch.error().ToString());
  return std::move(batch).value().identity;
}

std::string IdentityString(const protocol::BatchIdentity& id) {
  return fmt::format("{}/{}/{}-{}", id.agent_id, id.boot_id, id.seq_start, id.seq_end);
}

struct QueueState {
  std::string boot_id;
  uint64_t next_seq = 1;
  std::string cursor;
};

Result<QueueState> ParseState(std::string_view text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return DataLoss("state is not a JSON object");
  auto format = j.find("format");
  auto boot_id = j.find("boot_id");
  auto next_seq = j.find("next_seq");
  if (format == j.end() || !format->is_number_unsigned() ||
      format->get<uint64_t>() != kStateFormat) {
    return DataLoss(fmt::format("state format is not {}", kStateFormat));
  }
  if (boot_id == j.end() || !boot_id->is_string() || boot_id->get<std::string>().empty() ||
      boot_id->get<std::string>().size() > protocol::kMaxBootIdBytes) {
    return DataLoss("state boot_id is missing or invalid");
  }
  if (next_seq == j.end() || !next_seq->is_number_unsigned() || next_seq->get<uint64_t>() == 0) {
    return DataLoss("state next_seq is missing or not a positive integer");
  }
  std::string cursor;
  if (auto c = j.find("cursor"); c != j.end()) {
    if (!c->is_string()) return DataLoss("state cursor is not a string");
    cursor = c->get<std::string>();
  }
  return QueueState{boot_id->get<std::string>(), next_seq->get<uint64_t>(), std::move(cursor)};
}

}  // namespace

std::string RecordFileName(uint64_t seq_start) {
  return fmt::format("{:0{}}{}", seq_start, kSeqDigits, kRecordSuffix);
}

DiskQueue::DiskQueue(std::string dir, uint64_t max_bytes, uint64_t seq_reservation,
                     UniqueFd lock_fd)
    : dir_(std::move(dir)),
      max_bytes_(max_bytes),
      seq_reservation_(seq_reservation),
      lock_fd_(std::move(lock_fd)) {}

DiskQueue::~DiskQueue() = default;

Result<DiskQueuePtr> DiskQueue::Open(const std::string& dir, uint64_t max_bytes,
                                     uint64_t seq_reservation) {
  if (dir.empty()) return InvalidArgument("queue directory is empty");
  LM_RETURN_IF_ERROR(MakeDirs(dir, 0700));
  std::string lock_path = JoinPath(dir, kLockName);
  UniqueFd fd(::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!fd.valid()) return ErrnoStatus(fmt::format("open {}", lock_path), errno);
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) {
      return FailedPrecondition(fmt::format("queue {} is in use by another lm-agent process", dir));
    }
    return ErrnoStatus(fmt::format("lock {}", lock_path), errno);
  }
  DiskQueuePtr queue(new DiskQueue(dir, max_bytes, seq_reservation, std::move(fd)));
  LM_RETURN_IF_ERROR(queue->Load().WithContext(fmt::format("open queue {}", dir)));
  return Result<DiskQueuePtr>(std::move(queue));
}

std::string DiskQueue::PathOf(std::string_view name) const { return JoinPath(dir_, name); }

Status DiskQueue::Load() {
  LM_ASSIGN_OR_RETURN(std::vector<std::string> names, ListDir(dir_));
  bool removed_temp = false;
  std::vector<std::pair<uint64_t, std::string>> records;
  for (const std::string& name : names) {
    if (name == kLockName || name == kStateName || name == kCorruptDir) continue;
    if (name.find(".tmp") != std::string::npos) {
      lm::log::Info("queue {}: removing leftover temp file {}", dir_, name);
      LM_RETURN_IF_ERROR(RemoveFile(PathOf(name)));
      removed_temp = true;
      continue;
    }
    if (std::optional<uint64_t> seq = ParseRecordName(name)) {
      records.emplace_back(*seq, name);
      continue;
    }
    lm::log::Warn("queue {}: ignoring unexpected entry {}", dir_, name);
  }
  if (removed_temp) LM_RETURN_IF_ERROR(FsyncDir(dir_));

  std::optional<QueueState> state;
  Result<std::string> state_text = ReadFile(PathOf(kStateName));
  if (state_text.ok()) {
    Result<QueueState> parsed = ParseState(*state_text);
    if (parsed.ok()) {
      state = std::move(parsed).value();
    } else {
      MoveToCorrupt(std::string(kStateName), parsed.error());
    }
  } else if (state_text.error().code() != StatusCode::kNotFound) {
    return state_text.error();
  } else if (!records.empty()) {
    lm::log::Warn("queue {}: state file is missing; starting a new boot id", dir_);
  }

  uint64_t next = state ? state->next_seq : 1;
  for (const auto& [seq, name] : records) {
    // Even a record that fails verification below used its sequence number once.
    if (seq < std::numeric_limits<uint64_t>::max()) next = std::max(next, seq + 1);
    Result<std::string> data = ReadFile(PathOf(name));
    if (!data.ok()) {
      if (data.error().code() == StatusCode::kNotFound) continue;
      return data.error();
    }
    Result<RecordView> record = DecodeRecord(*data);
    if (!record.ok()) {
      MoveToCorrupt(name, record.error());
      continue;
    }
    Result<protocol::BatchIdentity> identity = FrameIdentity(record->frame);
    if (!identity.ok()) {
      MoveToCorrupt(name, identity.error());
      continue;
    }
    if (identity->seq_start != seq || identity->seq_end == std::numeric_limits<uint64_t>::max()) {
      MoveToCorrupt(name, DataLoss(fmt::format("file name says seq {}, frame holds {}", seq,
                                               IdentityString(*identity))));
      continue;
    }
    next = std::max(next, identity->seq_end + 1);
    bytes_ += data->size();
    entries_[seq] =
        Entry{std::move(identity).value(), name, data->size(), std::string(record->cursor)};
  }
  next_seq_ = next;
  if (state) {
    boot_id_ = state->boot_id;
    persisted_next_seq_ = state->next_seq;
    state_cursor_ = std::move(state->cursor);
  } else {
    boot_id_ = RandomUuid();
    // Nothing was uploaded in this sequence space yet, so nothing needs reserving.
    LM_RETURN_IF_ERROR(WriteState(next_seq_, state_cursor_));
  }
  lm::log::Debug("queue {}: boot_id {}, next_seq {}, {} records, {} bytes", dir_, boot_id_,
                 next_seq_, entries_.size(), bytes_);
  return Status::Ok();
}

uint64_t DiskQueue::ReservedNextSeq() const {
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  return next_seq_ > kMax - seq_reservation_ ? kMax : next_seq_ + seq_reservation_;
}

Status DiskQueue::WriteState(uint64_t next_seq, const std::string& cursor) {
  // Lowering it could hand out a sequence number again after a crash.
  assert(next_seq >= persisted_next_seq_);
  nlohmann::json j = {{"format", kStateFormat}, {"boot_id", boot_id_}, {"next_seq", next_seq}};
  if (!cursor.empty()) j["cursor"] = cursor;
  LM_RETURN_IF_ERROR(WriteFileAtomic(PathOf(kStateName), j.dump() + "\n", 0600));
  persisted_next_seq_ = next_seq;
  state_cursor_ = cursor;
  return Status::Ok();
}

const std::string& DiskQueue::Cursor() const {
  for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
    if (!it->second.cursor.empty()) return it->second.cursor;
  }
  return state_cursor_;
}

void DiskQueue::MoveToCorrupt(const std::string& name, const Status& why) {
  lm::log::Error("queue {}: {} failed verification: {}; moving it to {}/", dir_, name,
                 why.message(), kCorruptDir);
  std::string corrupt_dir = PathOf(kCorruptDir);
  if (Status s = MakeDirs(corrupt_dir, 0700); !s.ok()) {
    lm::log::Error("queue {}: cannot create {}: {}", dir_, corrupt_dir, s.ToString());
    return;
  }
  std::string target = JoinPath(corrupt_dir, name);
  struct stat st;
  if (::lstat(target.c_str(), &st) == 0) target += "." + RandomHex(4);
  if (::rename(PathOf(name).c_str(), target.c_str()) != 0) {
    lm::log::Error("queue {}: cannot move {} aside: {}", dir_, name,
                   ErrnoStatus("rename", errno).ToString());
    return;
  }
  for (const std::string& d : {corrupt_dir, dir_}) {
    if (Status s = FsyncDir(d); !s.ok()) lm::log::Error("queue {}: {}", dir_, s.ToString());
  }
}

protocol::BatchIdentity DiskQueue::NextIdentity(std::string agent_id) const {
  return protocol::BatchIdentity{std::move(agent_id), boot_id_, next_seq_, next_seq_};
}

Status DiskQueue::Enqueue(std::string_view frame, const protocol::BatchIdentity& identity,
                          std::string_view cursor) {
  if (identity.boot_id != boot_id_) {
    return InvalidArgument(
        fmt::format("batch boot_id {} is not the queue's {}", identity.boot_id, boot_id_));
  }
  if (identity.seq_start != next_seq_ || identity.seq_end < identity.seq_start) {
    return InvalidArgument(fmt::format("batch seq {}-{} does not start at next_seq {}",
                                       identity.seq_start, identity.seq_end, next_seq_));
  }
  if (identity.seq_end == std::numeric_limits<uint64_t>::max()) {
    return ResourceExhausted("queue sequence space is exhausted");
  }
  if (frame.size() > kMaxRecordFrameBytes) {
    return ResourceExhausted(fmt::format("frame of {} bytes exceeds the record limit {}",
                                         frame.size(), kMaxRecordFrameBytes));
  }
  if (cursor.size() > kMaxRecordCursorBytes) {
    return InvalidArgument(fmt::format("cursor of {} bytes exceeds the record limit {}",
                                       cursor.size(), kMaxRecordCursorBytes));
  }
  const uint64_t record_bytes = kRecordHeaderBytes + frame.size() + cursor.size();
  if (record_bytes > max_bytes_ || bytes_ > max_bytes_ - record_bytes) {
    return ResourceExhausted(
        fmt::format("queue {} is full: {} bytes queued + {} > queue.max_bytes {}", dir_, bytes_,
                    record_bytes, max_bytes_));
  }
  Result<protocol::BatchIdentity> embedded = FrameIdentity(frame);
  if (!embedded.ok()) return InvalidArgument(embedded.error().message());
  if (*embedded != identity) {
    return InvalidArgument(fmt::format("frame identity {} differs from {}",
                                       IdentityString(*embedded), IdentityString(identity)));
  }
  const std::string name = RecordFileName(identity.seq_start);
  if (Status s = WriteFileAtomic(PathOf(name), EncodeRecord(frame, cursor), 0600); !s.ok()) {
    // The rename may have happened before a failed directory fsync; do not leave a record
    // behind that this process does not account for.
    RemoveFile(PathOf(name)).IgnoreError();
    return s;
  }
  entries_[identity.seq_start] = Entry{identity, name, record_bytes, std::string(cursor)};
  bytes_ += record_bytes;
  next_seq_ = identity.seq_end + 1;
  return Status::Ok();
}

Result<std::optional<QueuedBatch>> DiskQueue::Peek() {
  while (!entries_.empty()) {
    auto it = entries_.begin();
    Result<std::string> data = ReadFile(PathOf(it->second.name));
    if (!data.ok()) {
      if (data.error().code() != StatusCode::kNotFound) return data.error();
      lm::log::Error("queue {}: queued record {} disappeared", dir_, it->second.name);
    } else if (Result<RecordView> record = DecodeRecord(*data); !record.ok()) {
      MoveToCorrupt(it->second.name, record.error());
    } else {
      return std::optional<QueuedBatch>(
          QueuedBatch{it->second.identity, std::string(record->frame)});
    }
    bytes_ -= it->second.bytes;
    entries_.erase(it);
  }
  return std::optional<QueuedBatch>();
}

Status DiskQueue::Remove(const protocol::BatchIdentity& identity) {
  auto it = entries_.find(identity.seq_start);
  if (it == entries_.end()) {
    return NotFound(fmt::format("no queued batch {}", IdentityString(identity)));
  }
  if (it->second.identity != identity) {
    return FailedPrecondition(fmt::format("queued batch is {}, not {}",
                                          IdentityString(it->second.identity),
                                          IdentityString(identity)));
  }
  assert(next_seq_ > identity.seq_end);
  // Once the record is gone, only the state file remembers that its sequence numbers were
  // used, and (when no later record carries one) its log cursor: make that durable first,
  // unless the state file already says so.
  bool cursor_superseded = it->second.cursor.empty();
  for (auto later = std::next(it); !cursor_superseded && later != entries_.end(); ++later) {
    cursor_superseded = !later->second.cursor.empty();
  }
  const std::string& cursor = cursor_superseded ? state_cursor_ : it->second.cursor;
  if (persisted_next_seq_ <= identity.seq_end || cursor != state_cursor_) {
    LM_RETURN_IF_ERROR(WriteState(ReservedNextSeq(), cursor));
  }
  // No fsync of the directory: if the unlink is lost in a crash, the record is uploaded
  // again and answered duplicate, and the next Enqueue's or state write's fsync of the
  // directory makes it durable.
  LM_RETURN_IF_ERROR(RemoveFile(PathOf(it->second.name)));
  bytes_ -= it->second.bytes;
  entries_.erase(it);
  return Status::Ok();
}

}  // namespace lm::agent
