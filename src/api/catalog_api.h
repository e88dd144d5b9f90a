// The Prometheus catalog endpoints: what series, labels and metrics exist.
//   GET|POST /api/v1/labels              [match[]...] [start] [end] [limit]
//   GET      /api/v1/label/<name>/values [match[]...] [start] [end] [limit]
//   GET|POST /api/v1/series              match[]... [start] [end] [limit]
//   GET      /api/v1/metadata            [metric] [limit] [limit_per_metric]
//   GET      /api/v1/status/buildinfo
//   GET|POST /api/v1/query_exemplars     (always an empty list: exemplars are not stored)
// Shapes, parameters and errors as Prometheus' HTTP API: match[] are series selectors;
// start/end are RFC 3339 or Unix seconds (default: all time); limit 0 means no limit and a
// truncated result carries a warning. Thread safe.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "http/router.h"
#include "store/querier.h"

namespace lm::api {

class CatalogApi {
 public:
  // `querier` must outlive this object. `warnings` are added to every success response.
  CatalogApi(const store::Querier* querier, std::vector<std::string> warnings)
      : querier_(querier), warnings_(std::move(warnings)) {}

  // Registers the routes, each wrapped by `wrap` (e.g. the bearer-token check).
  void Register(http::Router* router, const std::function<http::Handler(http::Handler)>& wrap);

  http::Response Labels(const http::Request& request) const;
  http::Response LabelValues(const http::Request& request) const;
  http::Response Series(const http::Request& request) const;
  http::Response Metadata(const http::Request& request) const;
  http::Response BuildInfo(const http::Request& request) const;
  http::Response QueryExemplars(const http::Request& request) const;

 private:
  const store::Querier* querier_;
  std::vector<std::string> warnings_;
};

}  // namespace lm::api
