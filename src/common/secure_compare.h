// Constant-time comparison for secrets (bearer tokens), so that response timing does not
// reveal how many leading bytes of a guess were right. Thread safe.
#pragma once

#include <string_view>

namespace lm {

// True when a == b. The time taken depends only on the lengths.
bool SecureEquals(std::string_view a, std::string_view b);

}  // namespace lm
