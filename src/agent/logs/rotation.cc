#include "agent/logs/rotation.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <initializer_list>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "agent/logs/fingerprint.h"

namespace lm::agent::logs {
namespace {

struct Candidate {
  std::string path;
  struct stat st;
};

std::string_view BaseName(std::string_view path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// Regular-file siblings of `path` with a rotated name, stat'ed.
Result<std::vector<Candidate>> ListRotated(const std::string& path) {
  std::vector<Candidate> out;
  std::string dir = DirName(path);
  std::string_view base = BaseName(path);
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    int err = errno;
    if (err == ENOENT) return out;
    return ErrnoStatus(fmt::format("list rotated files of {}: opendir {}", path, dir), err);
  }
  while (struct dirent* e = ::readdir(d)) {
    std::string_view name = e->d_name;
    if (!IsRotatedName(name, base)) continue;
    Candidate c;
    c.path = JoinPath(dir, name);
    if (::stat(c.path.c_str(), &c.st) != 0 || !S_ISREG(c.st.st_mode)) continue;
    out.push_back(std::move(c));
  }
  ::closedir(d);
  return out;
}

// Opens `c` and checks that it is still the file that was stat'ed.
std::optional<RotatedFile> Open(Candidate& c) {
  UniqueFd fd(::open(c.path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (!fd.valid()) return std::nullopt;
  struct stat st;
  if (::fstat(fd.get(), &st) != 0 || st.st_dev != c.st.st_dev || st.st_ino != c.st.st_ino) {
    return std::nullopt;
  }
  RotatedFile f;
  f.path = std::move(c.path);
  f.fd = std::move(fd);
  f.dev = st.st_dev;
  f.ino = st.st_ino;
  return f;
}

bool HasCompressedSuffix(std::string_view name) {
  for (std::string_view suffix : {".gz", ".bz2", ".xz", ".zst", ".lz4", ".lzma", ".Z", ".zip"}) {
    if (name.ends_with(suffix)) return true;
  }
  return false;
}

// True when the file starts like a gzip, bzip2, xz, zstd, lz4 or zip stream.
bool StartsCompressed(int fd) {
  unsigned char head[6] = {};
  ssize_t n = ::pread(fd, head, sizeof(head), 0);
  if (n < 3) return false;
  auto starts = [&](std::initializer_list<unsigned char> magic) {
    if (static_cast<size_t>(n) < magic.size()) return false;
    return std::equal(magic.begin(), magic.end(), head);
  };
  return starts({0x1f, 0x8b}) || starts({'B', 'Z', 'h'}) ||
         starts({0xfd, '7', 'z', 'X', 'Z', 0x00}) || starts({0x28, 0xb5, 0x2f, 0xfd}) ||
         starts({0x04, 0x22, 0x4d, 0x18}) || starts({'P', 'K', 0x03, 0x04});
}

}  // namespace

int64_t MtimeNanos(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

Result<std::optional<RotatedFile>> FindRotatedSuccessor(
    const std::string& path, int64_t after_ns,
    const std::vector<std::pair<uint64_t, uint64_t>>& exclude) {
  LM_ASSIGN_OR_RETURN(std::vector<Candidate> candidates, ListRotated(path));
  std::erase_if(candidates, [&](const Candidate& c) {
    const std::pair<uint64_t, uint64_t> id(c.st.st_dev, c.st.st_ino);
    return c.st.st_size == 0 || MtimeNanos(c.st) <= after_ns ||
           std::find(exclude.begin(), exclude.end(), id) != exclude.end() ||
           HasCompressedSuffix(c.path);
  });
  std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
    if (MtimeNanos(a.st) != MtimeNanos(b.st)) return MtimeNanos(a.st) < MtimeNanos(b.st);
    return a.path < b.path;
  });
  for (Candidate& c : candidates) {
    std::optional<RotatedFile> f = Open(c);
    if (!f || StartsCompressed(f->fd.get())) continue;
    return f;
  }
  return std::optional<RotatedFile>();
}

bool IsRotatedName(std::string_view name, std::string_view base) {
  return name.size() > base.size() + 1 && name.starts_with(base) &&
         (name[base.size()] == '.' || name[base.size()] == '-');
}

Result<std::optional<RotatedFile>> FindRotatedByIdentity(const std::string& path, uint64_t dev,
                                                         uint64_t ino) {
  LM_ASSIGN_OR_RETURN(std::vector<Candidate> candidates, ListRotated(path));
  for (Candidate& c : candidates) {
    if (c.st.st_dev == dev && c.st.st_ino == ino) return Open(c);
  }
  return std::optional<RotatedFile>();
}

Result<std::optional<RotatedFile>> FindRotatedCopy(const std::string& path, const FilePosition& pos,
                                                   uint64_t exclude_dev, uint64_t exclude_ino) {
  LM_ASSIGN_OR_RETURN(std::vector<Candidate> candidates, ListRotated(path));
  std::erase_if(candidates, [&](const Candidate& c) {
    return (c.st.st_dev == exclude_dev && c.st.st_ino == exclude_ino) ||
           static_cast<uint64_t>(c.st.st_size) < pos.offset;
  });
  // The newest copy is the one copytruncate just made.
  std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
    if (a.st.st_mtim.tv_sec != b.st.st_mtim.tv_sec)
      return a.st.st_mtim.tv_sec > b.st.st_mtim.tv_sec;
    if (a.st.st_mtim.tv_nsec != b.st.st_mtim.tv_nsec) {
      return a.st.st_mtim.tv_nsec > b.st.st_mtim.tv_nsec;
    }
    return a.path < b.path;
  });
  for (Candidate& c : candidates) {
    std::optional<RotatedFile> f = Open(c);
    if (!f) continue;
    Result<bool> match = FingerprintMatches(f->fd.get(), pos);
    if (!match.ok()) continue;
    if (*match) return f;
  }
  return std::optional<RotatedFile>();
}

}  // namespace lm::agent::logs
