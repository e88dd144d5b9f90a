#include "objectstore/fs/fs_object_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <functional>
#include <vector>

#include <fmt/format.h>

#include "common/file_util.h"
#include "common/random.h"

namespace lm::objectstore {
namespace {

constexpr std::string_view kTempPrefix = ".tmp-";

// One directory entry as it sorts among its siblings: directories as "name/".
struct Entry {
  std::string name;
  bool dir = false;
  std::string SortKey() const { return dir ? name + "/" : name; }
};

Result<std::vector<Entry>> ReadEntries(const std::string& dir) {
  std::vector<Entry> out;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    if (errno == ENOENT || errno == ENOTDIR) return out;
    return ErrnoStatus(fmt::format("opendir {}", dir), errno);
  }
  errno = 0;
  while (struct dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name == "." || name == ".." || name.starts_with(kTempPrefix)) continue;
    bool is_dir = e->d_type == DT_DIR;
    if (e->d_type == DT_UNKNOWN) {
      struct stat st;
      if (::stat(JoinPath(dir, name).c_str(), &st) != 0) continue;
      is_dir = S_ISDIR(st.st_mode);
    }
    out.push_back({std::move(name), is_dir});
  }
  int err = errno;
  ::closedir(d);
  if (err != 0) return ErrnoStatus(fmt::format("readdir {}", dir), err);
  std::sort(out.begin(), out.end(),
            [](const Entry& a, const Entry& b) { return a.SortKey() < b.SortKey(); });
  return out;
}

}  // namespace

Result<std::unique_ptr<FsObjectStore>> FsObjectStore::Open(const std::string& root) {
  LM_RETURN_IF_ERROR(MakeDirs(root, 0755));
  struct stat st;
  if (::stat(root.c_str(), &st) != 0) return ErrnoStatus(fmt::format("stat {}", root), errno);
  if (!S_ISDIR(st.st_mode)) return IoError(fmt::format("{} is not a directory", root));
  std::string clean = root;
  while (clean.size() > 1 && clean.back() == '/') clean.pop_back();
  return std::unique_ptr<FsObjectStore>(new FsObjectStore(std::move(clean)));
}

std::string FsObjectStore::PathOf(std::string_view key) const { return JoinPath(root_, key); }

Status FsObjectStore::EnsureParentDirs(const std::string& path) {
  const std::string dir = DirName(path);
  struct stat st;
  if (::stat(dir.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return Status::Ok();
    return IoError(fmt::format("{} is not a directory", dir));
  }
  if (dir.size() <= root_.size()) return IoError(fmt::format("object root {} is gone", root_));
  LM_RETURN_IF_ERROR(EnsureParentDirs(dir));
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    return ErrnoStatus(fmt::format("mkdir {}", dir), errno);
  }
  // The new directory entry must survive a crash before any object in it is reported
  // durable.
  return FsyncDir(DirName(dir));
}

Result<std::string> FsObjectStore::WriteTemp(const std::string& path, std::string_view data) {
  LM_RETURN_IF_ERROR(EnsureParentDirs(path));
  std::string temp = JoinPath(DirName(path), std::string(kTempPrefix) + RandomHex(8));
  UniqueFd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (!fd.valid()) return ErrnoStatus(fmt::format("create {}", temp), errno);
  Status s = WriteAll(fd.get(), data, temp);
  if (s.ok()) s = Fsync(fd.get(), temp);
  if (!s.ok()) {
    ::unlink(temp.c_str());
    return s;
  }
  return temp;
}

Status FsObjectStore::Put(std::string_view key, std::string_view data) {
  LM_RETURN_IF_ERROR(ValidateKey(key));
  const std::string path = PathOf(key);
  LM_ASSIGN_OR_RETURN(std::string temp, WriteTemp(path, data));
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(temp.c_str());
    return ErrnoStatus(fmt::format("rename to {}", path), err);
  }
  return FsyncDir(DirName(path));
}

Status FsObjectStore::Create(std::string_view key, std::string_view data) {
  LM_RETURN_IF_ERROR(ValidateKey(key));
  const std::string path = PathOf(key);
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) {
    return Status(StatusCode::kAlreadyExists, fmt::format("object {} already exists", key));
  }
  LM_ASSIGN_OR_RETURN(std::string temp, WriteTemp(path, data));
  const int rc = ::link(temp.c_str(), path.c_str());
  const int err = errno;
  ::unlink(temp.c_str());
  if (rc != 0) {
    if (err == EEXIST) {
      return Status(StatusCode::kAlreadyExists, fmt::format("object {} already exists", key));
    }
    return ErrnoStatus(fmt::format("link {}", path), err);
  }
  return FsyncDir(DirName(path));
}

Result<std::string> FsObjectStore::Get(std::string_view key) {
  LM_RETURN_IF_ERROR(ValidateKey(key));
  auto data = ReadFile(PathOf(key));
  if (!data.ok() && data.error().code() == StatusCode::kNotFound) {
    return NotFound(fmt::format("object {} does not exist", key));
  }
  return data;
}

Result<ObjectInfo> FsObjectStore::Head(std::string_view key) {
  LM_RETURN_IF_ERROR(ValidateKey(key));
  struct stat st;
  const std::string path = PathOf(key);
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) {
      return NotFound(fmt::format("object {} does not exist", key));
    }
    return ErrnoStatus(fmt::format("stat {}", path), errno);
  }
  if (!S_ISREG(st.st_mode)) return NotFound(fmt::format("object {} does not exist", key));
  return ObjectInfo{std::string(key), static_cast<uint64_t>(st.st_size)};
}

Status FsObjectStore::Delete(std::string_view key) {
  LM_RETURN_IF_ERROR(ValidateKey(key));
  const std::string path = PathOf(key);
  if (::unlink(path.c_str()) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return Status::Ok();
    return ErrnoStatus(fmt::format("unlink {}", path), errno);
  }
  return FsyncDir(DirName(path));
}

Result<ListPage> FsObjectStore::List(const ListRequest& request) {
  const size_t max_keys = request.max_keys;
  if (max_keys == 0 || max_keys > 1000) {
    return InvalidArgument(fmt::format("max_keys must be 1..1000 (got {})", max_keys));
  }
  const std::string_view prefix = request.prefix;
  const std::string_view start_after =
      request.continuation.empty() ? request.start_after : request.continuation;
  if (!request.continuation.empty() && !request.continuation.starts_with(prefix)) {
    return InvalidArgument("continuation token does not belong to this listing");
  }
  ListPage page;
  // The walk starts at the deepest directory named entirely by the prefix.
  const size_t slash = prefix.rfind('/');
  const std::string base =
      slash == std::string_view::npos ? "" : std::string(prefix.substr(0, slash + 1));
  bool full = false;
  std::function<Status(const std::string&)> walk = [&](const std::string& rel) -> Status {
    LM_ASSIGN_OR_RETURN(std::vector<Entry> entries,
                        ReadEntries(rel.empty() ? root_ : JoinPath(root_, rel)));
    for (const Entry& e : entries) {
      if (full) return Status::Ok();
      const std::string key = rel + e.name;
      if (e.dir) {
        const std::string sub = key + "/";
        // Skip subtrees that cannot hold a key under the prefix or after start_after.
        const size_t n = std::min(sub.size(), prefix.size());
        if (sub.compare(0, n, prefix.substr(0, n)) != 0) continue;
        if (!start_after.empty() && sub < start_after && !start_after.starts_with(sub)) continue;
        LM_RETURN_IF_ERROR(walk(sub));
        continue;
      }
      if (!key.starts_with(prefix) || key <= start_after) continue;
      if (page.objects.size() == max_keys) {
        full = true;
        page.continuation = page.objects.back().key;
        return Status::Ok();
      }
      struct stat st;
      if (::stat(JoinPath(root_, key).c_str(), &st) != 0) continue;  // deleted meanwhile
      page.objects.push_back({key, static_cast<uint64_t>(st.st_size)});
    }
    return Status::Ok();
  };
  if (!base.empty()) {
    struct stat st;
    if (::stat(JoinPath(root_, base).c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return page;
  }
  LM_RETURN_IF_ERROR(walk(base));
  return page;
}

Result<size_t> FsObjectStore::RemoveStaleTempFiles(int64_t min_age_s) {
  size_t removed = 0;
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  std::function<Status(const std::string&)> walk = [&](const std::string& dir) -> Status {
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) return ErrnoStatus(fmt::format("opendir {}", dir), errno);
    std::vector<std::string> subdirs;
    while (struct dirent* e = ::readdir(d)) {
      std::string name = e->d_name;
      if (name == "." || name == "..") continue;
      const std::string path = JoinPath(dir, name);
      struct stat st;
      if (::lstat(path.c_str(), &st) != 0) continue;
      if (S_ISDIR(st.st_mode)) {
        subdirs.push_back(path);
      } else if (name.starts_with(kTempPrefix) && now - st.st_mtime >= min_age_s &&
                 ::unlink(path.c_str()) == 0) {
        ++removed;
      }
    }
    ::closedir(d);
    for (const std::string& sub : subdirs) LM_RETURN_IF_ERROR(walk(sub));
    return Status::Ok();
  };
  LM_RETURN_IF_ERROR(walk(root_));
  return removed;
}

}  // namespace lm::objectstore
