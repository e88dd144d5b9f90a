#include "agent/collectors/proc_files.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>

#include "common/logging.h"

#include "agent/collectors/proc_parsers.h"
#include "common/file_util.h"

namespace lm::agent {

Result<std::string> ReadProcFileOrWarn(std::string_view who, std::string_view proc_root,
                                       std::string_view name, std::string_view omitted) {
  Result<std::string> text = ReadFile(JoinPath(proc_root, name));
  if (!text.ok()) {
    lm::log::Warn("{}: cannot read {}: {}; {} omitted", who, name, text.error().ToString(),
                  omitted);
  }
  return text;
}

Result<std::string_view> ReadSmallFileAt(int dir_fd, const char* relative, std::span<char> buffer) {
  UniqueFd fd(::openat(dir_fd, relative, O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return ErrnoStatus(fmt::format("open {}", relative), errno);
  size_t size = 0;
  while (size < buffer.size()) {
    const size_t want = buffer.size() - size;
    ssize_t n = ::read(fd.get(), buffer.data() + size, want);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(fmt::format("read {}", relative), errno);
    }
    size += static_cast<size_t>(n);
    if (static_cast<size_t>(n) < want) return std::string_view(buffer.data(), size);
  }
  return InvalidArgument(fmt::format("{} is larger than {} bytes", relative, buffer.size()));
}

void WarnUnparsable(std::string_view who, std::string_view name, const Status& error,
                    std::string_view omitted) {
  lm::log::Warn("{}: cannot parse {}: {}; {} omitted", who, name, error.message(), omitted);
}

std::optional<int64_t> BootTimeNanosOrWarn(std::string_view who, std::string_view stat_text,
                                           std::string_view omitted) {
  Result<int64_t> btime = ParseBootTime(stat_text);
  if (!btime.ok()) {
    WarnUnparsable(who, "stat", btime.error(), omitted);
    return std::nullopt;
  }
  // ParseBootTime guarantees the product fits in an int64.
  return *btime * 1'000'000'000;
}

int64_t SystemTicksPerSecond() {
  // sysconf cannot fail for _SC_CLK_TCK on Linux; the fallback keeps a division by zero
  // impossible.
  long hz = ::sysconf(_SC_CLK_TCK);
  return hz > 0 ? hz : 100;
}

int64_t SystemPageSize() {
  long size = ::sysconf(_SC_PAGESIZE);
  return size > 0 ? size : 4096;
}

}  // namespace lm::agent
