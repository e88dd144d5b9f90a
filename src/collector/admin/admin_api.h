// Private-listener endpoints for storage operations (behind the query token):
//   GET  /api/v1/object-store/reconciliation   the latest reconciliation attempt
//   GET  /api/v1/admin/landing                 landing progress (local_spool mode)
//   GET  /api/v1/admin/quarantine[?limit=N]    quarantined frames (default 100, max 1000)
//   GET  /api/v1/admin/quarantine/entry?id=ID  one entry, with a summary of its batch
//   POST /api/v1/admin/quarantine/resolve      form id=ID: delete the entry
// Responses use the Prometheus-style envelope {"status":"success","data":...} or
// {"status":"error","errorType":...,"error":...}.
//
// Thread safe (the parts it reads are).
#pragma once

#include <functional>
#include <string>

#include "collector/landing/lander.h"
#include "collector/quarantine/quarantine.h"
#include "http/router.h"
#include "objectstore/reconciler.h"

namespace lm::collector {

struct AdminApiParts {
  std::string object_store;  // Describe() of the store, "" when none is configured
  objectstore::Reconciler* reconciler = nullptr;  // null without an object store
  Lander* lander = nullptr;                       // null unless local_spool with a store
  Quarantine* quarantine = nullptr;               // always set
};

// Registers the routes on `router`, each wrapped by `wrap` (the bearer-token check).
void RegisterAdminApi(const AdminApiParts& parts, http::Router* router,
                      const std::function<http::Handler(http::Handler)>& wrap);

}  // namespace lm::collector
