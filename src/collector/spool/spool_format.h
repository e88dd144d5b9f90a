// The spool's on-disk record format (docs/design.md, "Spool"). A segment file is a
// sequence of records, each:
//   u32 LE  magic 0x52534D4C ("LMSR" in file order)
//   u32 LE  body length
//   u32 LE  CRC-32C of the body
//   body:   i64 LE accepted_unix_ms, then the frame bytes exactly as received
// A record is valid only when all three header fields and the CRC check out.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace lm::collector {

inline constexpr uint32_t kSpoolRecordMagic = 0x5253'4D4C;
inline constexpr size_t kSpoolRecordHeaderBytes = 12;
inline constexpr uint32_t kSpoolMaxBodyBytes = 1u << 30;

// Header + body for one record.
std::string EncodeSpoolRecord(int64_t accepted_unix_ms, std::string_view frame);

// Where the valid records of one segment's bytes end.
struct SegmentScan {
  size_t valid_bytes = 0;  // offset of the first invalid record, or data.size()
  std::string_view why;    // why that record is invalid; empty when all of data is valid
};

// Calls `fn(accepted_unix_ms, frame)` for each valid record of `data` (a whole segment)
// in order, up to the first invalid one.
template <typename Fn>
SegmentScan ScanSegment(std::string_view data, Fn&& fn);

}  // namespace lm::collector

#include "collector/spool/spool_format_inl.h"
