// Shared plumbing for collectors that read a proc root: reading a file with the warning
// every best-effort source logs, the boot time that cumulative counters start at, and the
// kernel units (USER_HZ, page size). Thread safe.
#pragma once

#include <cstdint>
#include <optional>
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
