// Internal to src/config: filesystem checks shared by CheckCollectorFiles and
// CheckAgentFiles. Thread safe.
#pragma once

#include <string>

#include "common/status.h"

namespace lm::config::internal {

// Ok when `path` can be opened and read and is non-empty (certificates, CA bundles).
// NotFound/PermissionDenied/IoError from the read; InvalidArgument when the file is empty.
Status CheckReadableFile(const std::string& path);

}  // namespace lm::config::internal
