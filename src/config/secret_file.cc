#include "config/secret_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>

#include "common/file_util.h"

namespace lm::config {
namespace {

std::string_view FileKind(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  return "not a regular file";
}

bool IsTrailingSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

}  // namespace

Result<std::string> ReadSecretFile(const std::string& path) {
  // Symlinks are followed (orchestrators mount secrets through them); the checks apply to the
  // file actually opened, so a swap between check and read cannot widen what is accepted.
  // O_NONBLOCK keeps a FIFO planted at the path from blocking the open.
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
  if (!fd.valid()) return ErrnoStatus(fmt::format("open secret file {}", path), errno);
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) {
    return ErrnoStatus(fmt::format("stat secret file {}", path), errno);
  }
  if (!S_ISREG(st.st_mode)) {
    return InvalidArgument(
        fmt::format("secret file {} is not a regular file (it is {})", path, FileKind(st.st_mode)));
  }
  if ((st.st_mode & 077) != 0) {
    return InvalidArgument(
        fmt::format("secret file {} is readable or writable by group/others (mode {:04o}); "
                    "chmod 600 it",
                    path, static_cast<unsigned>(st.st_mode & 07777)));
  }
  std::string content;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(fmt::format("read secret file {}", path), errno);
    }
    if (n == 0) break;
    content.append(buf, static_cast<size_t>(n));
  }
  while (!content.empty() && IsTrailingSpace(content.back())) content.pop_back();
  if (content.empty()) {
    return InvalidArgument(fmt::format("secret file {} is empty or holds only whitespace", path));
  }
  return content;
}

}  // namespace lm::config
