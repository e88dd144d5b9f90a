#include "protocol/frame.h"

#include <cstring>

#include <fmt/format.h>

#include "common/crc32c.h"

namespace lm::protocol {
namespace {

template <typename T>
T LoadLe(const char* p) {
  T v = 0;
  for (size_t i = 0; i < sizeof(T); ++i) {
    v |= static_cast<T>(static_cast<T>(static_cast<uint8_t>(p[i])) << (8 * i));
  }
  return v;
}

template <typename T>
void StoreLe(char* p, T v) {
  for (size_t i = 0; i < sizeof(T); ++i) p[i] = static_cast<char>((v >> (8 * i)) & 0xFF);
}

DecodeError Err(DecodeErrorKind kind, std::string rule, std::string detail) {
  return DecodeError{kind, std::move(rule), std::move(detail)};
}

}  // namespace

std::string_view DecodeErrorKindName(DecodeErrorKind kind) {
  switch (kind) {
    case DecodeErrorKind::kTruncatedHeader:
      return "truncated_header";
    case DecodeErrorKind::kBadMagic:
      return "bad_magic";
    case DecodeErrorKind::kUnsupportedVersion:
      return "unsupported_version";
    case DecodeErrorKind::kUnknownFlags:
      return "unknown_flags";
    case DecodeErrorKind::kUnsupportedCompression:
      return "unsupported_compression";
    case DecodeErrorKind::kFrameTooLarge:
      return "frame_too_large";
    case DecodeErrorKind::kLengthMismatch:
      return "length_mismatch";
    case DecodeErrorKind::kCrcMismatch:
      return "crc_mismatch";
    case DecodeErrorKind::kMalformedPayload:
      return "malformed_payload";
    case DecodeErrorKind::kLimitExceeded:
      return "limit_exceeded";
    case DecodeErrorKind::kInvalidField:
      return "invalid_field";
  }
  return "unknown";
}

std::string DecodeError::ToString() const {
  return fmt::format("{} ({}): {}", DecodeErrorKindName(kind), rule, detail);
}

std::string EncodeFrame(std::string_view payload) {
  std::string out(kFrameHeaderBytes + payload.size(), '\0');
  char* p = out.data();
  std::memcpy(p, kFrameMagic, 8);
  StoreLe<uint16_t>(p + 8, kFrameVersion);
  StoreLe<uint16_t>(p + 10, 0);
  StoreLe<uint64_t>(p + 12, payload.size());
  StoreLe<uint32_t>(p + 20, crc32c::Value(payload));
  std::memcpy(p + kFrameHeaderBytes, payload.data(), payload.size());
  return out;
}

Result<FrameHeader, DecodeError> CheckFrame(std::string_view frame, uint64_t max_frame_bytes) {
  if (frame.size() > max_frame_bytes) {
    return Err(DecodeErrorKind::kFrameTooLarge, "max_frame_bytes",
               fmt::format("frame is {} bytes, limit max_frame_bytes is {}", frame.size(),
                           max_frame_bytes));
  }
  if (frame.size() < kFrameHeaderBytes) {
    return Err(
        DecodeErrorKind::kTruncatedHeader, "frame_header",
        fmt::format("frame is {} bytes, the header alone is {}", frame.size(), kFrameHeaderBytes));
  }
  const char* p = frame.data();
  if (std::memcmp(p, kFrameMagic, 8) != 0) {
    return Err(DecodeErrorKind::kBadMagic, "frame_magic",
               "the first 8 bytes are not the Lightmetrics frame magic");
  }
  FrameHeader h;
  h.version = LoadLe<uint16_t>(p + 8);
  h.flags = LoadLe<uint16_t>(p + 10);
  h.payload_length = LoadLe<uint64_t>(p + 12);
  h.payload_crc32c = LoadLe<uint32_t>(p + 20);
  if (h.version != kFrameVersion) {
    return Err(DecodeErrorKind::kUnsupportedVersion, "frame_version",
               fmt::format("frame_version {} is not supported (this collector speaks {})",
                           h.version, kFrameVersion));
  }
  if ((h.flags & ~kKnownFlags) != 0) {
    return Err(DecodeErrorKind::kUnknownFlags, "frame_flags",
               fmt::format("unknown frame flags 0x{:04x}", h.flags & ~kKnownFlags));
  }
  if ((h.flags & kFlagZstd) != 0) {
    return Err(DecodeErrorKind::kUnsupportedCompression, "frame_flags",
               "the zstd frame flag is reserved and not implemented yet");
  }
  uint64_t actual = frame.size() - kFrameHeaderBytes;
  if (h.payload_length != actual) {
    return Err(
        DecodeErrorKind::kLengthMismatch, "payload_length",
        fmt::format("header says {} payload bytes, frame carries {}", h.payload_length, actual));
  }
  uint32_t crc = crc32c::Value(p + kFrameHeaderBytes, actual);
  if (crc != h.payload_crc32c) {
    return Err(DecodeErrorKind::kCrcMismatch, "payload_crc32c",
               fmt::format("payload CRC-32C is {:08x}, header says {:08x}", crc, h.payload_crc32c));
  }
  return h;
}

}  // namespace lm::protocol
