#include "agent/queue/record_format.h"

#include <cassert>
#include <cstring>

#include <fmt/format.h>

#include "common/crc32c.h"

namespace lm::agent {
namespace {

void PutU32(char* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

uint32_t GetU32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<uint8_t>(p[i])) << (8 * i);
  return v;
}

}  // namespace

std::string EncodeRecord(std::string_view frame) {
  assert(frame.size() <= kMaxRecordFrameBytes);
  std::string out(kRecordHeaderBytes, '\0');
  std::memcpy(out.data(), kRecordMagic, sizeof(kRecordMagic));
  PutU32(out.data() + 8, static_cast<uint32_t>(frame.size()));
  PutU32(out.data() + 12, crc32c::Value(frame));
  out.append(frame);
  return out;
}

Result<std::string_view> DecodeRecord(std::string_view record) {
  if (record.size() < kRecordHeaderBytes) {
    return DataLoss(fmt::format("record is {} bytes, shorter than its {}-byte header",
                                record.size(), kRecordHeaderBytes));
  }
  if (std::memcmp(record.data(), kRecordMagic, sizeof(kRecordMagic)) != 0) {
    return DataLoss("record magic does not match");
  }
  uint32_t length = GetU32(record.data() + 8);
  uint64_t have = record.size() - kRecordHeaderBytes;
  if (length != have) {
    return DataLoss(fmt::format("record header says {} frame bytes, file holds {}", length, have));
  }
  std::string_view frame = record.substr(kRecordHeaderBytes);
  uint32_t want_crc = GetU32(record.data() + 12);
  uint32_t got_crc = crc32c::Value(frame);
  if (want_crc != got_crc) {
    return DataLoss(fmt::format("record CRC-32C is {:08x}, header says {:08x}", got_crc, want_crc));
  }
  return frame;
}

}  // namespace lm::agent
