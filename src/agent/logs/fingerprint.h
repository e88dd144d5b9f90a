// The fingerprint of a tail position: a fast 64-bit hash of the bytes just before the
// offset, used to tell whether the bytes a cursor has read are still where the cursor says
// (copytruncate, inode reuse). Not cryptographic. The hash loads 8-byte words in host byte
// order, so fingerprints are host-local like the cursors that hold them. Thread safe.
#pragma once

#include <cstdint>
#include <string_view>

#include "agent/logs/tail_cursor.h"
#include "common/result.h"

namespace lm::agent::logs {

uint64_t FingerprintHash(std::string_view bytes);

// True when `fd` holds at least pos.offset bytes and the pos.fingerprint_len bytes before
// pos.offset hash to pos.fingerprint. IoError when the read fails.
Result<bool> FingerprintMatches(int fd, const FilePosition& pos);

}  // namespace lm::agent::logs
