// Standard base64 (RFC 4648 section 4: A-Z a-z 0-9 + /, '=' padding), as HTTP Basic
// authentication uses it. Thread safe (pure functions).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace lm {

// The bytes `text` encodes, or nullopt when it is not canonical padded base64: a length
// that is not a multiple of 4, a character outside the alphabet, padding anywhere but at
// the end, or non-zero bits in the last character's unused low bits.
std::optional<std::string> DecodeBase64(std::string_view text);

// Padded base64 of `bytes`.
std::string EncodeBase64(std::string_view bytes);

}  // namespace lm
