// File helpers that follow the durability rules of docs/design.md: new files are written
// as temp + fsync + rename + fsync(directory). All functions are thread safe with respect
// to each other as long as callers do not write the same path concurrently.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/status.h"

namespace lm {

// Owns a file descriptor; closes it on destruction. Move-only.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.Release()) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd();

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int Release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_ = -1;
};

// Reads the whole file. NotFound when it does not exist, IoError otherwise.
Result<std::string> ReadFile(const std::string& path);

// Writes all of `data` to `fd`, retrying on EINTR and short writes.
Status WriteAll(int fd, std::string_view data, std::string_view what);

// Reads exactly `n` bytes at `offset`. DataLoss when the file ends first.
Status PreadAll(int fd, void* buf, size_t n, uint64_t offset, std::string_view what);

// fsync(2) on `fd`, with `what` naming the file in the error.
Status Fsync(int fd, std::string_view what);

// Opens the directory and fsyncs it so that entries created or renamed in it are durable.
Status FsyncDir(const std::string& dir);

// Atomically replaces `path` with `data`: writes `path`.tmp-<random>, fsyncs it, renames it
// over `path` and fsyncs the directory. The file gets `mode` regardless of the umask. On
// failure the temp file is removed and `path` is unchanged.
Status WriteFileAtomic(const std::string& path, std::string_view data, mode_t mode = 0644);

// Creates `path` and missing parents with `mode` (umask applies to none of them). Ok if the
// directory already exists.
Status MakeDirs(const std::string& path, mode_t mode = 0755);

// Removes `path`; NotFound is not an error. Does not fsync the directory.
Status RemoveFile(const std::string& path);

// Names (not paths) of the entries in `dir`, sorted, without "." and "..".
Result<std::vector<std::string>> ListDir(const std::string& dir);

// Returns the directory part of `path` ("." when there is none).
std::string DirName(const std::string& path);

// Joins two path segments with exactly one '/'.
std::string JoinPath(std::string_view a, std::string_view b);

}  // namespace lm
