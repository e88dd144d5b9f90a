// SHA-256 for content addressing (raw blob keys, duplicate detection). Thread safe.
#pragma once

#include <string>
#include <string_view>

namespace lm {

// Returns the 64-character lowercase hex SHA-256 of `data`.
std::string Sha256Hex(std::string_view data);

}  // namespace lm
