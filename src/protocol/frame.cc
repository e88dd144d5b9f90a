#include "protocol/frame.h"

#include <cstring>

#include <fmt/format.h>
#include <zstd.h>

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
    case DecodeErrorKind::kDecompressionFailed:
      return "decompression_failed";
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

std::string EncodeFrame(std::string_view message, Compression compression, int zstd_level) {
  std::string out;
  uint16_t flags = 0;
  if (compression == Compression::kZstd) {
    flags = kFlagZstd;
    out.resize(kFrameHeaderBytes + ZSTD_compressBound(message.size()));
    size_t n = ZSTD_compress(out.data() + kFrameHeaderBytes, out.size() - kFrameHeaderBytes,
                             message.data(), message.size(), zstd_level);
    // Compression into a buffer of ZSTD_compressBound bytes cannot fail for valid levels.
    if (ZSTD_isError(n)) {
      out.assign(kFrameHeaderBytes, '\0');
      out.append(message);
      flags = 0;
    } else {
      out.resize(kFrameHeaderBytes + n);
    }
  } else {
    out.reserve(kFrameHeaderBytes + message.size());
    out.assign(kFrameHeaderBytes, '\0');
    out.append(message);
  }
  char* p = out.data();
  std::string_view payload = std::string_view(out).substr(kFrameHeaderBytes);
  std::memcpy(p, kFrameMagic, 8);
  StoreLe<uint16_t>(p + 8, kFrameVersion);
  StoreLe<uint16_t>(p + 10, flags);
  StoreLe<uint64_t>(p + 12, payload.size());
  StoreLe<uint32_t>(p + 20, crc32c::Value(payload));
  return out;
}

Result<std::string_view, DecodeError> FrameMessage(std::string_view frame,
                                                   const FrameHeader& header,
                                                   uint64_t max_message_bytes,
                                                   std::unique_ptr<uint64_t[]>* storage) {
  std::string_view payload = frame.substr(kFrameHeaderBytes);
  if ((header.flags & kFlagZstd) == 0) return payload;
  constexpr int kWindowLogMax = 23;  // 8 MiB: bounds decoder memory for hostile input
  unsigned long long size = ZSTD_getFrameContentSize(payload.data(), payload.size());
  if (size == ZSTD_CONTENTSIZE_ERROR) {
    return Err(DecodeErrorKind::kDecompressionFailed, "zstd", "payload is not a zstd frame");
  }
  if (size == ZSTD_CONTENTSIZE_UNKNOWN) {
    return Err(DecodeErrorKind::kDecompressionFailed, "zstd",
               "zstd frame does not record its content size");
  }
  if (size > max_message_bytes) {
    return Err(DecodeErrorKind::kFrameTooLarge, "max_frame_bytes",
               fmt::format("zstd payload decompresses to {} bytes, limit max_frame_bytes is {}",
                           size, max_message_bytes));
  }
  size_t compressed = ZSTD_findFrameCompressedSize(payload.data(), payload.size());
  if (ZSTD_isError(compressed) || compressed != payload.size()) {
    return Err(DecodeErrorKind::kDecompressionFailed, "zstd",
               "payload is not exactly one complete zstd frame");
  }
  const size_t words = static_cast<size_t>((size + 7) / 8);
  storage->reset(new uint64_t[words > 0 ? words : 1]);
  std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> ctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
  if (ctx == nullptr) {
    return Err(DecodeErrorKind::kDecompressionFailed, "zstd", "out of memory");
  }
  ZSTD_DCtx_setParameter(ctx.get(), ZSTD_d_windowLogMax, kWindowLogMax);
  char* out = reinterpret_cast<char*>(storage->get());
  size_t n = ZSTD_decompressDCtx(ctx.get(), out, static_cast<size_t>(size), payload.data(),
                                 payload.size());
  if (ZSTD_isError(n)) {
    return Err(DecodeErrorKind::kDecompressionFailed, "zstd",
               fmt::format("zstd payload does not decompress: {}", ZSTD_getErrorName(n)));
  }
  if (n != size) {
    return Err(DecodeErrorKind::kDecompressionFailed, "zstd",
               fmt::format("zstd payload decompressed to {} bytes, its header says {}", n, size));
  }
  return std::string_view(out, n);
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
