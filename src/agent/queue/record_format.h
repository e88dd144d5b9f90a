// The on-disk form of one queued batch: a record file holding a header, the frame and the
// log-tail cursor that becomes committed once the frame is queued.
// Layout, integers little endian:
//   offset 0   8 bytes  record magic  89 4C 4D 51 0D 0A 1A 0A  ("\x89LMQ\r\n\x1a\n")
//   offset 8   u32      frame length in bytes (F)
//   offset 12  u32      cursor length in bytes (C; 0 when the batch moves no log position)
//   offset 16  u32      CRC-32C of bytes 8..15 followed by the frame and cursor bytes
//   offset 20           the frame (protocol/frame.h), exactly F bytes
//   offset 20+F         the cursor (agent/logs TailCursor::Encode), exactly C bytes
// The record file is the unit of atomicity (written temp + fsync + rename + fsync(dir)), so
// a record is either whole or absent after a crash; the lengths and CRC catch bit rot,
// truncation by an outside tool and files that are not records at all. Thread safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace lm::agent {

inline constexpr char kRecordMagic[8] = {'\x89', 'L', 'M', 'Q', '\r', '\n', '\x1a', '\n'};
inline constexpr size_t kRecordHeaderBytes = 20;
inline constexpr uint64_t kMaxRecordFrameBytes = UINT32_MAX;
inline constexpr uint64_t kMaxRecordCursorBytes = 16u << 20;

struct RecordView {
  std::string_view frame;
  std::string_view cursor;
};

// Returns header + frame + cursor. `frame` must be at most kMaxRecordFrameBytes and
// `cursor` at most kMaxRecordCursorBytes (callers check).
std::string EncodeRecord(std::string_view frame, std::string_view cursor = {});

// Verifies magic, lengths (the file must hold exactly header + F + C bytes) and CRC, and
// returns views into `record`. DataLoss naming the failed check otherwise.
Result<RecordView> DecodeRecord(std::string_view record);

}  // namespace lm::agent
