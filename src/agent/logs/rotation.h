// Finding a tailed file again after rotation. Rotated files are looked for only among the
// siblings of the configured path: entries of its directory named <basename>.<suffix> or
// <basename>-<suffix> with a non-empty suffix (app.log.1, app.log.2.gz, app.log-20261203).
// Thread safe (no shared state); results reflect the directory at the time of the call.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <sys/stat.h>

#include "agent/logs/tail_cursor.h"
#include "common/file_util.h"
#include "common/result.h"

namespace lm::agent::logs {

// True when `name` is `base` followed by '.' or '-' and at least one more character.
bool IsRotatedName(std::string_view name, std::string_view base);

struct RotatedFile {
  std::string path;
  UniqueFd fd;  // open for reading; its fstat identity is (dev, ino)
  uint64_t dev = 0;
  uint64_t ino = 0;
};

// The sibling of `path` whose identity is (dev, ino), opened; nullopt when there is none
// (or the directory does not exist). IoError when the directory cannot be listed.
Result<std::optional<RotatedFile>> FindRotatedByIdentity(const std::string& path, uint64_t dev,
                                                         uint64_t ino);

// The copy left by copytruncate: among the siblings of `path` other than the file
// (exclude_dev, exclude_ino), the most recently modified regular file that holds the bytes
// of `pos` (FingerprintMatches), opened; nullopt when there is none. IoError when the
// directory cannot be listed.
Result<std::optional<RotatedFile>> FindRotatedCopy(const std::string& path, const FilePosition& pos,
                                                   uint64_t exclude_dev, uint64_t exclude_ino);

// Files rotated away more than once before they were read. Among the siblings of `path`
// that are non-empty regular files, not compressed (by name suffix .gz/.bz2/.xz/.zst/.lz4/
// .lzma/.Z/.zip, or by the magic bytes of those formats), not one of `exclude` (dev, ino)
// and modified strictly after `after_ns` (Unix nanoseconds), the one modified first, opened:
// the file written right after the one whose last write was at `after_ns`. nullopt when
// there is none. IoError when the directory cannot be listed.
// Ordering by modification time assumes each file's last write precedes the first write to
// its successor by at least one filesystem timestamp tick (documented in limitations.md).
Result<std::optional<RotatedFile>> FindRotatedSuccessor(
    const std::string& path, int64_t after_ns,
    const std::vector<std::pair<uint64_t, uint64_t>>& exclude);

// st_mtim of `st` in Unix nanoseconds.
int64_t MtimeNanos(const struct stat& st);

}  // namespace lm::agent::logs
