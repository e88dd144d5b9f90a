// Secrets are referenced by path, never written inline in configuration. A secret file must
// be a regular, non-empty file that neither group nor others can read or write.
#pragma once

#include <string>

#include "common/result.h"

namespace lm::config {

// Returns the file's content with trailing whitespace removed. InvalidArgument naming the
// path when the file is readable by group/others, not regular, or empty; NotFound/IoError
// when it cannot be read.
Result<std::string> ReadSecretFile(const std::string& path);

}  // namespace lm::config
