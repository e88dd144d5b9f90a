// Releasing the pages of program code and constants that only start-up needed. A static
// binary maps its whole image; pages touched once while parsing the configuration and the
// command line (and pages the kernel maps around each fault) would otherwise stay in the
// resident set for the life of the process. Dropping the read-only mappings' pages is
// safe: they are unmodified file pages and fault back in from the page cache when used.
// Thread safe, but meant to be called once, after start-up.
#pragma once

#include <cstddef>

#include "common/status.h"

namespace lm {

// madvise(MADV_DONTNEED) on every read-only or read-execute private mapping of the running
// executable that holds no modified page (never on writable mappings, nor on read-only ones
// with relocations applied). Sets *released_bytes to the size of the ranges
// advised. IoError when /proc/self/maps cannot be read or madvise fails.
Status ReleaseCodePages(size_t* released_bytes = nullptr);

}  // namespace lm
