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

// CRC of the two length fields and the body.
uint32_t RecordCrc(std::string_view lengths, std::string_view body) {
  return crc32c::Extend(crc32c::Value(lengths), body.data(), body.size());
}

}  // namespace

std::string EncodeRecord(std::string_view frame, std::string_view cursor) {
  assert(frame.size() <= kMaxRecordFrameBytes);
  assert(cursor.size() <= kMaxRecordCursorBytes);
  std::string out(kRecordHeaderBytes, '\0');
  out.reserve(kRecordHeaderBytes + frame.size() + cursor.size());
  std::memcpy(out.data(), kRecordMagic, sizeof(kRecordMagic));
  PutU32(out.data() + 8, static_cast<uint32_t>(frame.size()));
  PutU32(out.data() + 12, static_cast<uint32_t>(cursor.size()));
  out.append(frame);
  out.append(cursor);
  std::string_view all(out);
  PutU32(out.data() + 16, RecordCrc(all.substr(8, 8), all.substr(kRecordHeaderBytes)));
  return out;
}

Result<RecordView> DecodeRecord(std::string_view record) {
  if (record.size() < kRecordHeaderBytes) {
    return DataLoss(fmt::format("record is {} bytes, shorter than its {}-byte header",
                                record.size(), kRecordHeaderBytes));
  }
  if (std::memcmp(record.data(), kRecordMagic, sizeof(kRecordMagic)) != 0) {
    return DataLoss("record magic does not match");
  }
  const uint64_t frame_len = GetU32(record.data() + 8);
  const uint64_t cursor_len = GetU32(record.data() + 12);
  const uint64_t have = record.size() - kRecordHeaderBytes;
  if (cursor_len > kMaxRecordCursorBytes) {
    return DataLoss(
        fmt::format("record cursor length {} exceeds {}", cursor_len, kMaxRecordCursorBytes));
  }
  if (frame_len + cursor_len != have) {
    return DataLoss(fmt::format("record header says {} frame + {} cursor bytes, file holds {}",
                                frame_len, cursor_len, have));
  }
  const uint32_t want_crc = GetU32(record.data() + 16);
  const uint32_t got_crc = RecordCrc(record.substr(8, 8), record.substr(kRecordHeaderBytes));
  if (want_crc != got_crc) {
    return DataLoss(fmt::format("record CRC-32C is {:08x}, header says {:08x}", got_crc, want_crc));
  }
  return RecordView{record.substr(kRecordHeaderBytes, frame_len),
                    record.substr(kRecordHeaderBytes + frame_len)};
}

}  // namespace lm::agent
