// Decode limits: the collector's public ingest limits, enforced while a frame is decoded
// so that an oversized or hostile batch is rejected before it is materialised. The agent
// uses the same struct to stay within what the collector accepts.
#pragma once

#include <cstdint>

namespace lm::protocol {

struct DecodeLimits {
  uint64_t max_frame_bytes = 8 << 20;
  uint32_t max_series_per_batch = 2048;
  uint32_t max_labels_per_series = 32;
  uint32_t max_label_key_bytes = 128;
  uint32_t max_label_value_bytes = 512;
  uint32_t max_samples_per_series = 1024;
  uint32_t max_buckets_per_histogram = 128;
  uint32_t max_logs_per_batch = 1024;
  uint32_t max_log_message_bytes = 16384;
  uint32_t max_alerts_per_batch = 64;
  // Cap'n Proto reader limits: words traversed per payload word (amplification bound) and
  // pointer nesting depth. Our schema nests at most 6 levels.
  uint32_t traversal_words_per_payload_word = 4;
  uint32_t nesting_limit = 16;
};

// Limits for frames that were already accepted (spool replay, landing, object-store reads):
// they passed the limits in force when they arrived, which may have been lowered since.
// Only the frame size (1 GiB) and the Cap'n Proto traversal bounds still apply.
inline DecodeLimits AcceptedFrameLimits() {
  DecodeLimits l;
  l.max_frame_bytes = 1ull << 30;
  l.max_series_per_batch = UINT32_MAX;
  l.max_labels_per_series = UINT32_MAX;
  l.max_label_key_bytes = UINT32_MAX;
  l.max_label_value_bytes = UINT32_MAX;
  l.max_samples_per_series = UINT32_MAX;
  l.max_buckets_per_histogram = UINT32_MAX;
  l.max_logs_per_batch = UINT32_MAX;
  l.max_log_message_bytes = UINT32_MAX;
  l.max_alerts_per_batch = UINT32_MAX;
  return l;
}

// Identity fields are bounded independently of configuration.
inline constexpr uint32_t kMaxAgentIdBytes = 128;
inline constexpr uint32_t kMaxBootIdBytes = 64;
inline constexpr uint32_t kMaxHostFieldBytes = 256;

}  // namespace lm::protocol
