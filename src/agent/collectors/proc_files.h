// Shared plumbing for collectors that read a proc root: reading a file with the warning
// every best-effort source logs, cheap reads of the many small per-process files, the boot
// time that cumulative counters start at, and the kernel units (USER_HZ, page size).
// Thread safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/result.h"
#include "common/status.h"

namespace lm::agent {

// Reads `proc_root`/`name`. On failure logs a warning "`who`: cannot read `name`: ...;
// `omitted` omitted" and returns the error (NotFound or IoError).
Result<std::string> ReadProcFileOrWarn(std::string_view who, std::string_view proc_root,
                                       std::string_view name,
                                       std::string_view omitted = "its series are");

// A buffer size that holds any /proc/PID/stat or /proc/PID/statm: stat has 52 numeric
// fields of at most 20 digits and a command name of at most 64 bytes, under 1.2 KiB.
inline constexpr size_t kProcPidFileBufferBytes = 4096;

// Reads the small file `relative` (a path relative to the open directory `dir_fd`) into
// `buffer` with one openat(2), as few read(2)s as the content needs and one close(2), and
// returns a view of the content inside `buffer`; nothing is allocated on success. A read
// that returns fewer bytes than asked for is taken as the end of the file, which holds for
// regular files and for the single-record seq_files of /proc (one read(2) of
// /proc/PID/stat or statm returns the whole record), so the usual extra read(2) that
// returns 0 is saved. Returns NotFound when the file does not exist (for a /proc/PID file:
// the process has exited), InvalidArgument when the content fills `buffer` (it may be
// longer), and
// IoError or PermissionDenied on other failures (a process that exits between the open and
// the read gives ESRCH, an IoError).
Result<std::string_view> ReadSmallFileAt(int dir_fd, const char* relative, std::span<char> buffer);

// Logs the warning "`who`: cannot parse `name`: ...; `omitted` omitted".
void WarnUnparsable(std::string_view who, std::string_view name, const Status& error,
                    std::string_view omitted = "its series are");

// The boot time of /proc/stat's content `stat_text` in Unix nanoseconds, or nullopt after a
// warning naming `omitted`, the counters that cannot be emitted without it.
std::optional<int64_t> BootTimeNanosOrWarn(std::string_view who, std::string_view stat_text,
                                           std::string_view omitted);

// sysconf(_SC_CLK_TCK), or 100 (USER_HZ on every Linux architecture) if it is not positive.
int64_t SystemTicksPerSecond();

// sysconf(_SC_PAGESIZE), or 4096 if it is not positive.
int64_t SystemPageSize();

}  // namespace lm::agent
