// File helpers for the log tailing tests: appending, truncating and renaming real files the
// way writers and logrotate do.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "common/file_util.h"

namespace lm::agent::logs {

// Appends `data` to `path`, creating it (0644) when missing, as a logging process does.
inline void AppendFile(const std::string& path, std::string_view data) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
  ASSERT_TRUE(fd.valid()) << path;
  ASSERT_TRUE(WriteAll(fd.get(), data, path).ok()) << path;
}

// Replaces the contents of `path` in place (same inode when it exists).
inline void OverwriteFile(const std::string& path, std::string_view data) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  ASSERT_TRUE(fd.valid()) << path;
  ASSERT_TRUE(WriteAll(fd.get(), data, path).ok()) << path;
}

inline void RenameFile(const std::string& from, const std::string& to) {
  ASSERT_EQ(::rename(from.c_str(), to.c_str()), 0) << from << " -> " << to;
}

// logrotate's copytruncate: copies `path` to `copy` and truncates `path` to zero bytes.
inline void CopyTruncate(const std::string& path, const std::string& copy) {
  Result<std::string> data = ReadFile(path);
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  OverwriteFile(copy, *data);
  ASSERT_EQ(::truncate(path.c_str(), 0), 0) << path;
}

// Sets the access and modification times of `path` to `seconds` (Unix time).
inline void SetMtime(const std::string& path, time_t seconds) {
  struct timeval times[2] = {{seconds, 0}, {seconds, 0}};
  ASSERT_EQ(::utimes(path.c_str(), times), 0) << path;
}

inline struct stat StatFile(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st;
}

}  // namespace lm::agent::logs
