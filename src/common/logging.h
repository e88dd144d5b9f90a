// Process-wide logging setup. Log lines go to stderr through spdlog; modules call
// spdlog::info/warn/error directly after InitLogging.
#pragma once

#include <string_view>

#include "common/status.h"

namespace lm {

// Sets the global level from "trace|debug|info|warn|error|off"; may be called again to
// change it. InvalidArgument for an unknown level.
Status InitLogging(std::string_view level);

}  // namespace lm
