// The template body of ScanSegment (spool_format.h); not for direct inclusion.
#pragma once

#include <cstring>

#include "collector/spool/spool_format.h"
#include "common/crc32c.h"

namespace lm::collector {
namespace spool_internal {

inline uint32_t GetU32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<uint8_t>(p[i])) << (8 * i);
  return v;
}

}  // namespace spool_internal

template <typename Fn>
SegmentScan ScanSegment(std::string_view data, Fn&& fn) {
  using spool_internal::GetU32;
  size_t off = 0;
  while (off < data.size()) {
    const char* p = data.data() + off;
    size_t left = data.size() - off;
    uint32_t len = 0;
    std::string_view why;
    if (left < kSpoolRecordHeaderBytes) {
      why = "truncated record header";
    } else if (GetU32(p) != kSpoolRecordMagic) {
      why = "bad record magic";
    } else if ((len = GetU32(p + 4)) < 8 || len > kSpoolMaxBodyBytes) {
      why = "bad record length";
    } else if (left - kSpoolRecordHeaderBytes < len) {
      why = "truncated record body";
    } else if (crc32c::Value(p + kSpoolRecordHeaderBytes, len) != GetU32(p + 8)) {
      why = "record CRC mismatch";
    }
    if (!why.empty()) return SegmentScan{off, why};
    const char* body = p + kSpoolRecordHeaderBytes;
    int64_t accepted = 0;
    std::memcpy(&accepted, body, 8);  // little-endian host (x86_64, aarch64)
    fn(accepted, std::string_view(body + 8, len - 8));
    off += kSpoolRecordHeaderBytes + len;
  }
  return SegmentScan{off, {}};
}

}  // namespace lm::collector
