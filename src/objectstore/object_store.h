// The object store: the collector's system of record. One interface, two implementations
// (fs/ for a local directory, s3/ for S3-compatible servers); the rest of the collector
// sees only this header.
//
// Keys are '/'-separated UTF-8 paths (see ValidateKey). Listing returns keys in ascending
// byte order, like S3's ListObjectsV2, so that a key layout sorted by time can be scanned
// from a point (see object_layout.h).
//
// Thread safety: implementations are thread safe; any number of threads (and, for the
// filesystem store, processes) may use one store at once.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace lm::objectstore {

struct ObjectInfo {
  std::string key;
  uint64_t size = 0;
};

// What to list: keys starting with `prefix` that sort after `start_after` (empty: from the
// first), at most `max_keys` (1..1000) per page. `continuation` is empty for the first page
// and the previous page's `continuation` for the next ones (start_after is then ignored).
struct ListRequest {
  std::string prefix;
  std::string start_after;
  std::string continuation;
  size_t max_keys = 1000;
};

// One page of a listing. `continuation` is an opaque token for the next page (an S3
// continuation token, or the last key for the filesystem store); empty when the listing
// is complete.
struct ListPage {
  std::vector<ObjectInfo> objects;
  std::string continuation;
};

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  // A human-readable name for logs and errors, e.g. "filesystem:/var/lib/objects" or
  // "s3://bucket/prefix".
  virtual std::string Describe() const = 0;

  // Writes `data` under `key`, replacing any object there. Ok only when the object is
  // durable. InvalidArgument for a bad key; Unavailable when the store cannot be reached
  // (retry later); IoError/Internal for other failures.
  virtual Status Put(std::string_view key, std::string_view data) = 0;

  // Writes `data` under `key` only if no object exists there, atomically with respect to
  // every other writer (the first writer wins). AlreadyExists when the key is taken (the
  // existing object is left untouched; read it to compare). Other failures as Put. The
  // S3 store maps a 409 from a racing writer to AlreadyExists as well.
  virtual Status Create(std::string_view key, std::string_view data) = 0;

  // The object's bytes. NotFound when it does not exist; Unavailable, IoError or DataLoss
  // (a truncated transfer) otherwise.
  virtual Result<std::string> Get(std::string_view key) = 0;

  // The object's size. NotFound when it does not exist.
  virtual Result<ObjectInfo> Head(std::string_view key) = 0;

  // Removes the object; Ok when it did not exist.
  virtual Status Delete(std::string_view key) = 0;

  // One page of the objects `request` selects, in ascending byte order of the key.
  // InvalidArgument for max_keys outside 1..1000 or a continuation token this store did
  // not issue; Unavailable when the store cannot be reached.
  virtual Result<ListPage> List(const ListRequest& request) = 0;
};

using ObjectStorePtr = std::unique_ptr<ObjectStore>;

// The rules every key must follow, whatever the store: 1 to 1024 bytes of valid UTF-8, no
// control bytes, no leading or trailing '/', no empty segment ("a//b"), no segment "." or
// "..", and no segment starting with ".tmp-" (reserved for the filesystem store's temp
// files). InvalidArgument naming the rule otherwise.
Status ValidateKey(std::string_view key);

// Calls `fn(info)` for every object under `prefix` (all pages, in order) starting after
// `start_after`; stops early when `fn` returns false. Errors of List are returned as is.
template <typename Fn>
Status ListAll(ObjectStore& store, std::string_view prefix, std::string_view start_after, Fn&& fn) {
  ListRequest request;
  request.prefix = std::string(prefix);
  request.start_after = std::string(start_after);
  for (;;) {
    LM_ASSIGN_OR_RETURN(ListPage page, store.List(request));
    for (const ObjectInfo& info : page.objects) {
      if (!fn(info)) return Status::Ok();
    }
    if (page.continuation.empty()) return Status::Ok();
    request.continuation = std::move(page.continuation);
  }
}

}  // namespace lm::objectstore
