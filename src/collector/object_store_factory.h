// Opens the object store a collector configuration names. Thread safe.
#pragma once

#include "common/result.h"
#include "config/collector_config.h"
#include "objectstore/object_store.h"

namespace lm::collector {

// nullptr for type "none". FailedPrecondition for "gcs" (parsed, not supported);
// InvalidArgument for S3 settings or credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
// optional AWS_SESSION_TOKEN) that are missing or malformed; IoError when a filesystem
// root cannot be created. Nothing is contacted over the network.
Result<objectstore::ObjectStorePtr> OpenObjectStore(const config::ObjectStoreConfig& config);

}  // namespace lm::collector
