#include "agent/logs/fingerprint.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace lm::agent::logs {

// FNV-1a's offset basis, then one multiply-xorshift step per 8-byte word (FNV-1a byte steps
// for the tail) and a final avalanche, so that 64 bytes take 8 dependent multiplies
// instead of 64.
uint64_t FingerprintHash(std::string_view bytes) {
  constexpr uint64_t kOffsetBasis = 0xcbf29ce484222325ull;
  constexpr uint64_t kWordPrime = 0x9e3779b97f4a7c15ull;
  constexpr uint64_t kBytePrime = 0x100000001b3ull;
  const char* p = bytes.data();
  size_t n = bytes.size();
  uint64_t h = kOffsetBasis ^ (n * kWordPrime);
  for (; n >= 8; n -= 8, p += 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);
    h = (h ^ word) * kWordPrime;
    h ^= h >> 29;
  }
  for (; n > 0; --n, ++p) h = (h ^ static_cast<unsigned char>(*p)) * kBytePrime;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  return h;
}

Result<bool> FingerprintMatches(int fd, const FilePosition& pos) {
  if (pos.fingerprint_len > kFingerprintBytes || pos.fingerprint_len > pos.offset) return false;
  char buf[kFingerprintBytes];
  // The fingerprint bytes end exactly at the offset, so reading them all proves the file
  // still reaches it.
  size_t want = pos.fingerprint_len;
  uint64_t at = pos.offset - want;
  size_t got = 0;
  while (got < want) {
    ssize_t n = ::pread(fd, buf + got, want - got, static_cast<off_t>(at + got));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("read fingerprint", errno);
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  if (got < want) return false;
  if (want == 0) {
    // Nothing to compare; the file must still reach the offset.
    if (pos.offset == 0) return true;
    ssize_t n;
    do {
      n = ::pread(fd, buf, 1, static_cast<off_t>(pos.offset - 1));
    } while (n < 0 && errno == EINTR);
    if (n < 0) return ErrnoStatus("read fingerprint", errno);
    return n == 1;
  }
  return FingerprintHash(std::string_view(buf, want)) == pos.fingerprint;
}

}  // namespace lm::agent::logs
