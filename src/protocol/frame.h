// The frame: the unit that is queued by the agent, sent as the HTTP body, spooled by the
// collector and stored as a raw object. Layout (docs/protocol.md), all integers little
// endian:
//   offset 0   8 bytes  magic  89 4C 4D 46 0D 0A 1A 0A  ("\x89LMF\r\n\x1a\n")
//   offset 8   u16      frame_version (1)
//   offset 10  u16      flags (bit 0: payload is one zstd frame; others must be 0)
//   offset 12  u64      payload_length
//   offset 20  u32      payload_crc32c (CRC-32C of the payload bytes as sent)
//   offset 24           payload (a Cap'n Proto message, standard unpacked serialization;
//                       with the zstd flag, that message compressed as one zstd frame)
// The header is 24 bytes so that the payload is 8-byte aligned in an aligned buffer.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"

namespace lm::protocol {

inline constexpr char kFrameMagic[8] = {'\x89', 'L', 'M', 'F', '\r', '\n', '\x1a', '\n'};
inline constexpr uint16_t kFrameVersion = 1;
inline constexpr uint16_t kFlagZstd = 1 << 0;
inline constexpr uint16_t kKnownFlags = kFlagZstd;
inline constexpr size_t kFrameHeaderBytes = 24;

// Every reason a frame or its payload can be rejected. Each has a stable name
// (DecodeErrorKindName) that the collector returns to clients.
enum class DecodeErrorKind {
  kTruncatedHeader,
  kBadMagic,
  kUnsupportedVersion,
  kUnknownFlags,
  kDecompressionFailed,
  kFrameTooLarge,
  kLengthMismatch,
  kCrcMismatch,
  kMalformedPayload,
  kLimitExceeded,
  kInvalidField,
};

std::string_view DecodeErrorKindName(DecodeErrorKind kind);

struct DecodeError {
  DecodeErrorKind kind;
  std::string rule;    // the violated rule, e.g. "max_series_per_batch" or "frame_version"
  std::string detail;  // human readable, names the rule and the offending values

  // "<kind name> (<rule>): <detail>"
  std::string ToString() const;
};

struct FrameHeader {
  uint16_t version = 0;
  uint16_t flags = 0;
  uint64_t payload_length = 0;
  uint32_t payload_crc32c = 0;
};

enum class Compression { kNone, kZstd };

// Wraps `message` in a frame: as is with flags 0 (kNone), or compressed with zstd at
// `zstd_level` (1..19) and the zstd flag set (kZstd; the content size is recorded in the
// zstd frame header).
std::string EncodeFrame(std::string_view message, Compression compression = Compression::kNone,
                        int zstd_level = 1);

// The Cap'n Proto message of a frame that passed CheckFrame: the payload itself, or its
// zstd decompression. The decompressed size is bounded by `max_message_bytes`
// (kFrameTooLarge, rule max_frame_bytes) and the zstd window by 8 MiB; a payload that is
// not exactly one valid zstd frame is kDecompressionFailed. `storage` keeps the
// decompressed bytes alive (8-byte aligned); the returned view points into it or into
// `frame`.
Result<std::string_view, DecodeError> FrameMessage(std::string_view frame,
                                                   const FrameHeader& header,
                                                   uint64_t max_message_bytes,
                                                   std::unique_ptr<uint64_t[]>* storage);

// Parses and checks the header of `frame`: magic, version, flags, the length against
// `max_frame_bytes` and against the actual size, and the payload CRC. On success returns
// the header; the payload is frame.substr(kFrameHeaderBytes).
Result<FrameHeader, DecodeError> CheckFrame(std::string_view frame, uint64_t max_frame_bytes);

}  // namespace lm::protocol
