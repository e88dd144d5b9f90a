// Random identifiers and secrets from the kernel's CSPRNG (getrandom). Thread safe.
#pragma once

#include <cstddef>
#include <string>

namespace lm {

// Returns 2*n lowercase hex characters from n random bytes.
std::string RandomHex(size_t n);

// Returns a random RFC 4122 version-4 UUID in its 36-character text form.
std::string RandomUuid();

}  // namespace lm
