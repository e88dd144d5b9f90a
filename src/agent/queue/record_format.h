// The on-disk form of one queued batch: a record file holding a header and the frame.
// Layout, integers little endian:
//   offset 0   8 bytes  record magic  89 4C 4D 51 0D 0A 1A 0A  ("\x89LMQ\r\n\x1a\n")
//   offset 8   u32      frame length in bytes
//   offset 12  u32      CRC-32C of the frame bytes
//   offset 16           the frame (protocol/frame.h), exactly `frame length` bytes
// The record file is the unit of atomicity (written temp + fsync + rename + fsync(dir)), so
// a record is either whole or absent after a crash; the length and CRC catch bit rot,
// truncation by an outside tool and files that are not records at all. Thread safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace lm::agent {

inline constexpr char kRecordMagic[8] = {'\x89', 'L', 'M', 'Q', '\r', '\n', '\x1a', '\n'};
inline constexpr size_t kRecordHeaderBytes = 16;
inline constexpr uint64_t kMaxRecordFrameBytes = UINT32_MAX;

// Returns header + frame. `frame` must be at most kMaxRecordFrameBytes (callers check).
std::string EncodeRecord(std::string_view frame);

// Verifies magic, length (the file must hold exactly header + length bytes) and CRC, and
// returns the frame as a view into `record`. DataLoss naming the failed check otherwise.
Result<std::string_view> DecodeRecord(std::string_view record);

}  // namespace lm::agent
