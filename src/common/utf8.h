// UTF-8 validation helpers. Thread safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace lm {

// The length (1-4) of the well-formed UTF-8 sequence starting at s[i], or 0 when the bytes
// there are not one (overlong forms, surrogates and code points above U+10FFFF included).
size_t Utf8SequenceLength(std::string_view s, size_t i);

// True when every byte of `s` belongs to a well-formed UTF-8 sequence.
bool IsValidUtf8(std::string_view s);

// `s` with every invalid byte replaced by U+FFFD.
std::string ToValidUtf8(std::string_view s);

}  // namespace lm
