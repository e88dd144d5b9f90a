// Prometheus-compatible HTTP API handlers (/api/v1/...) over a store::Querier and the PromQL
// engine. Responses use Prometheus' JSON envelope: {"status":"success","data":...,
// "warnings":[...]} or {"status":"error","errorType":...,"error":...} with bad_data -> 400,
// execution -> 422, timeout/unavailable -> 503. Thread safe.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "http/router.h"
#include "promql/engine.h"
#include "store/querier.h"

namespace lm::api {

struct PrometheusApiOptions {
  // Warnings added to every successful response (e.g. that results are local-only).
  std::vector<std::string> warnings;
  // Clock for queries without a time parameter (ms); defaults to the wall clock.
  std::function<int64_t()> now_ms;
};

class PrometheusApi {
 public:
  // `querier` and `engine` must outlive this object.
  PrometheusApi(const store::Querier* querier, const promql::Engine* engine,
                PrometheusApiOptions options);

  // Registers GET and POST /api/v1/query, /api/v1/query_range and /api/v1/format_query.
  // Handlers are wrapped by `wrap` (e.g. auth).
  void Register(http::Router* router, const std::function<http::Handler(http::Handler)>& wrap);

  // /api/v1/query: query, time (default now), timeout, lookback_delta.
  http::Response Query(const http::Request& request) const;
  // /api/v1/query_range: query, start, end, step (float seconds or a duration), timeout,
  // lookback_delta. At most 11,000 points per series, as Prometheus.
  http::Response QueryRange(const http::Request& request) const;
  // /api/v1/format_query: the query in canonical form.
  http::Response FormatQuery(const http::Request& request) const;

 private:
  http::Response Success(const promql::QueryResult& result) const;

  const store::Querier* querier_;
  const promql::Engine* engine_;
  PrometheusApiOptions options_;
};

}  // namespace lm::api
