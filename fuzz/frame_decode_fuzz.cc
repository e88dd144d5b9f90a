// Feeds arbitrary bytes to the collector's frame decoder with the example limits. The
// decoder must return a value or a DecodeError; it must never crash, leak or read out of
// bounds. The first input byte picks the mode: odd bytes treat the rest as a Cap'n Proto
// payload and wrap it in a valid frame header (so the fuzzer reaches the payload decoder
// past the CRC); even bytes feed the rest as a whole frame. Seeds: tests/protocol/golden/.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "protocol/batch_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  std::string frame = (data[0] & 1) ? lm::protocol::EncodeFrame(rest) : std::string(rest);
  lm::protocol::DecodeLimits limits;
  limits.max_frame_bytes = 1 << 20;
  auto r = lm::protocol::DecodeBatchFrame(frame, limits);
  if (r.ok()) {
    // A frame that decodes must re-encode to a frame that decodes to the same batch
    // (compared by encoding, so that NaN sample values compare equal).
    std::string encoded = lm::protocol::EncodeBatchFrame(*r);
    auto again = lm::protocol::DecodeBatchFrame(encoded, limits);
    if (!again.ok() || lm::protocol::EncodeBatchFrame(*again) != encoded) __builtin_trap();
  }
  return 0;
}
