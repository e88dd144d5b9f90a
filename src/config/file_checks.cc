#include "config/file_checks.h"

#include <fmt/format.h>

#include "common/file_util.h"

namespace lm::config::internal {

Status CheckReadableFile(const std::string& path) {
  Result<std::string> content = ReadFile(path);
  if (!content.ok()) return content.status();
  if (content->empty()) return InvalidArgument(fmt::format("file {} is empty", path));
  return Status::Ok();
}

}  // namespace lm::config::internal
