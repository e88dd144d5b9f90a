// Encoding a Batch into a frame and decoding a frame back with limits. Thread safe (no
// shared state).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"
#include "protocol/batch.h"
#include "protocol/frame.h"
#include "protocol/limits.h"

namespace lm::protocol {

// Serializes `batch` as a Cap'n Proto message and wraps it in a frame (EncodeFrame; by
// default uncompressed, flags 0).
// When `message_bytes` is given it receives the size of the uncompressed Cap'n Proto
// message (what the collector's max_frame_bytes bounds after decompression).
std::string EncodeBatchFrame(const Batch& batch, Compression compression = Compression::kNone,
                             int zstd_level = 1, uint64_t* message_bytes = nullptr);

// Checks the frame (CheckFrame), decompresses a zstd payload (FrameMessage, bounded by
// limits.max_frame_bytes) and decodes the message into a Batch, enforcing `limits`
// while walking the message: each list's length is checked before its elements are read,
// each text's size before it is copied. Also validates identity (non-empty agent and boot
// ids within their bounds, seq_end >= seq_start), metric and label names (Prometheus
// syntax, no duplicate or reserved "__" label keys) and timestamps (> 0).
// Returns the first violation found.
Result<Batch, DecodeError> DecodeBatchFrame(std::string_view frame, const DecodeLimits& limits);

// True when `name` is a valid Prometheus metric name: [a-zA-Z_:][a-zA-Z0-9_:]*.
bool IsValidMetricName(std::string_view name);
// True when `name` is a valid Prometheus label name: [a-zA-Z_][a-zA-Z0-9_]*.
bool IsValidLabelName(std::string_view name);

}  // namespace lm::protocol
