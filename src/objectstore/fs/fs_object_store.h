// The filesystem object store: each object is a file under a root directory, its key the
// relative path. Durable like the rest of the collector's files: a new object is written
// to a temp file in its directory, fsynced, then renamed (Put) or hard-linked (Create)
// into place, and the directory is fsynced; new directories are fsynced into their parents.
//
// Create uses link(2), which fails with EEXIST when the name exists, so exactly one of any
// number of concurrent creators wins, also across processes sharing the directory (on a
// local filesystem; NFS is not supported). Temp files (".tmp-*") left by a crash are
// invisible to Get/List; RemoveStaleTempFiles deletes them.
//
// Listing walks only the directories that can hold keys under the prefix and returns keys
// in byte order (a directory "x" sorts as "x/" among its siblings).
//
// Thread safe.
#pragma once

#include <string>

#include "objectstore/object_store.h"

namespace lm::objectstore {

class FsObjectStore : public ObjectStore {
 public:
  // Creates `root` (and parents) if needed. IoError when it cannot be created or is not a
  // directory.
  static Result<std::unique_ptr<FsObjectStore>> Open(const std::string& root);

  std::string Describe() const override { return "filesystem:" + root_; }
  Status Put(std::string_view key, std::string_view data) override;
  Status Create(std::string_view key, std::string_view data) override;
  Result<std::string> Get(std::string_view key) override;
  Result<ObjectInfo> Head(std::string_view key) override;
  Status Delete(std::string_view key) override;
  // The continuation token is the last key of the previous page.
  Result<ListPage> List(const ListRequest& request) override;

  // Deletes temp files older than `min_age_s` seconds under the root (crash leftovers).
  // Returns how many were removed.
  Result<size_t> RemoveStaleTempFiles(int64_t min_age_s);

 private:
  explicit FsObjectStore(std::string root) : root_(std::move(root)) {}

  std::string PathOf(std::string_view key) const;
  // Creates the directories of `path` that are missing and makes each durable in its
  // parent.
  Status EnsureParentDirs(const std::string& path);
  // Writes `data` to a new temp file beside `path`, fsynced; returns its path.
  Result<std::string> WriteTemp(const std::string& path, std::string_view data);

  std::string root_;
};

}  // namespace lm::objectstore
