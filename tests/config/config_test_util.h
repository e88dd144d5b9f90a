// Helpers shared by the config tests: writing files with an exact mode.
#pragma once

#include <sys/stat.h>

#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "common/file_util.h"

namespace lm::config {

// Writes `data` to `path` with exactly `mode`, creating missing parent directories.
inline void WriteTestFile(const std::string& path, std::string_view data, mode_t mode = 0600) {
  ASSERT_TRUE(MakeDirs(DirName(path), 0755).ok()) << path;
  Status s = WriteFileAtomic(path, data, mode);
  ASSERT_TRUE(s.ok()) << s.ToString();
}

}  // namespace lm::config
