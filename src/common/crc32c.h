// CRC-32C (Castagnoli polynomial 0x1EDC6F41, reflected), as used by iSCSI, ext4 and
// leveldb. Uses the SSE4.2 crc32 instruction when the CPU has it, a table otherwise; both
// give identical results. Thread safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace lm::crc32c {

// Extends `crc` (the value returned for the preceding bytes, 0 to start) over `data`.
uint32_t Extend(uint32_t crc, const void* data, size_t n);

inline uint32_t Value(const void* data, size_t n) { return Extend(0, data, n); }
inline uint32_t Value(std::string_view s) { return Extend(0, s.data(), s.size()); }

}  // namespace lm::crc32c
