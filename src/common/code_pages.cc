#include "common/code_pages.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <fmt/format.h>

namespace lm {
namespace {

struct Mapping {
  unsigned long start = 0;
  unsigned long end = 0;
  bool candidate = false;  // the executable's, private, not writable
  unsigned long anonymous_kb = 0;  // pages copied on write: modified, must be kept
};

}  // namespace

Status ReleaseCodePages(size_t* released_bytes) {
  char exe[4096];
  const ssize_t n = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) return ErrnoStatus("readlink /proc/self/exe", errno);
  exe[n] = '\0';
  // smaps, not maps: a read-only mapping may still hold modified pages (relocations applied
  // before it was made read-only), which are private copies ("Anonymous"); dropping those
  // would lose the modifications. (Private_Dirty is no guide: it also counts page-cache
  // pages of a freshly written executable.)
  std::FILE* smaps = std::fopen("/proc/self/smaps", "re");
  if (smaps == nullptr) return ErrnoStatus("open /proc/self/smaps", errno);
  std::vector<Mapping> mappings;
  char line[4352];
  while (std::fgets(line, sizeof line, smaps) != nullptr) {
    unsigned long start = 0;
    unsigned long end = 0;
    char perms[5] = {};
    unsigned long offset = 0;
    char dev[16] = {};
    unsigned long inode = 0;
    int path_at = 0;
    if (std::sscanf(line, "%lx-%lx %4s %lx %15s %lu %n", &start, &end, perms, &offset, dev, &inode,
                    &path_at) >= 6 &&
        std::strchr(line, '-') < std::strchr(line, ' ')) {
      Mapping m;
      m.start = start;
      m.end = end;
      std::string path = path_at > 0 ? std::string(line + path_at) : "";
      while (!path.empty() && (path.back() == '\n' || path.back() == ' ')) path.pop_back();
      m.candidate = path == exe && perms[1] == '-' && perms[3] == 'p';
      mappings.push_back(m);
      continue;
    }
    unsigned long kb = 0;
    if (!mappings.empty() && std::sscanf(line, "Anonymous: %lu kB", &kb) == 1) {
      mappings.back().anonymous_kb += kb;
    }
  }
  std::fclose(smaps);
  size_t released = 0;
  for (const Mapping& m : mappings) {
    if (!m.candidate || m.anonymous_kb != 0) continue;
    if (::madvise(reinterpret_cast<void*>(m.start), m.end - m.start, MADV_DONTNEED) != 0) {
      return ErrnoStatus(fmt::format("madvise {:x}-{:x}", m.start, m.end), errno);
    }
    released += m.end - m.start;
  }
  if (released_bytes != nullptr) *released_bytes = released;
  return Status::Ok();
}

}  // namespace lm
