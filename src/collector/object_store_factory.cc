#include "collector/object_store_factory.h"

#include "objectstore/fs/fs_object_store.h"
#include "objectstore/s3/s3_object_store.h"

namespace lm::collector {

Result<objectstore::ObjectStorePtr> OpenObjectStore(const config::ObjectStoreConfig& config) {
  switch (config.type) {
    case config::ObjectStoreType::kNone:
      return objectstore::ObjectStorePtr();
    case config::ObjectStoreType::kFilesystem: {
      LM_ASSIGN_OR_RETURN(auto store, objectstore::FsObjectStore::Open(config.path));
      return objectstore::ObjectStorePtr(std::move(store));
    }
    case config::ObjectStoreType::kS3: {
      objectstore::S3Options o;
      o.endpoint = config.endpoint;
      o.bucket = config.bucket;
      o.prefix = config.prefix;
      o.region = config.region;
      o.path_style = config.path_style;
      o.timeout_ms = config.timeout_ms;
      LM_ASSIGN_OR_RETURN(o.credentials, objectstore::S3CredentialsFromEnvironment());
      LM_ASSIGN_OR_RETURN(auto store, objectstore::S3ObjectStore::Create(std::move(o)));
      return objectstore::ObjectStorePtr(std::move(store));
    }
    case config::ObjectStoreType::kGcs:
      break;
  }
  return FailedPrecondition(
      "object_store.type \"gcs\" is not supported; use \"filesystem\", or \"s3\" with an "
      "S3-compatible endpoint (GCS offers one)");
}

}  // namespace lm::collector
