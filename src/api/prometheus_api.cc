#include "api/prometheus_api.h"

#include <chrono>
#include <optional>

#include <fmt/format.h>

#include "api/json_writer.h"
#include "api/time_param.h"
#include "common/clock.h"
#include "common/float_format.h"
#include "http/form.h"
#include "promql/parser.h"

namespace lm::api {
namespace {

int HttpStatusFor(promql::ErrorType t) {
  switch (t) {
    case promql::ErrorType::kBadData:
      return 400;
    case promql::ErrorType::kExecution:
      return 422;
    case promql::ErrorType::kTimeout:
    case promql::ErrorType::kCanceled:
    case promql::ErrorType::kUnavailable:
      return 503;
    case promql::ErrorType::kInternal:
      return 500;
  }
  return 500;
}

std::string_view ErrorTypeName(promql::ErrorType t) {
  switch (t) {
    case promql::ErrorType::kBadData:
      return "bad_data";
    case promql::ErrorType::kExecution:
      return "execution";
    case promql::ErrorType::kTimeout:
      return "timeout";
    case promql::ErrorType::kCanceled:
      return "canceled";
    case promql::ErrorType::kUnavailable:
      return "unavailable";
    case promql::ErrorType::kInternal:
      return "internal";
  }
  return "internal";
}

http::Response Error(promql::ErrorType t, std::string_view msg) {
  return http::JsonError(HttpStatusFor(t), ErrorTypeName(t), msg);
}

void WriteMetric(JsonWriter& w, const store::Labels& labels) {
  w.BeginObject();
  for (const auto& l : labels.items()) w.Key(l.name).String(l.value);
  w.EndObject();
}

void WritePoint(JsonWriter& w, int64_t t, double v) {
  w.BeginArray().Raw(FormatApiTime(t)).String(FormatFloatFixed(v)).EndArray();
}

void WriteValue(JsonWriter& w, const promql::Value& value) {
  if (const auto* s = std::get_if<promql::Scalar>(&value)) {
    w.Key("resultType").String("scalar").Key("result");
    WritePoint(w, s->t, s->v);
  } else if (const auto* str = std::get_if<promql::String>(&value)) {
    w.Key("resultType").String("string").Key("result");
    w.BeginArray().Raw(FormatApiTime(str->t)).String(str->v).EndArray();
  } else if (const auto* vec = std::get_if<promql::Vector>(&value)) {
    w.Key("resultType").String("vector").Key("result").BeginArray();
    for (const auto& s : *vec) {
      w.BeginObject().Key("metric");
      WriteMetric(w, s.labels);
      w.Key("value");
      WritePoint(w, s.t, s.v);
      w.EndObject();
    }
    w.EndArray();
  } else {
    const auto& m = std::get<promql::Matrix>(value);
    w.Key("resultType").String("matrix").Key("result").BeginArray();
    for (const auto& s : m) {
      w.BeginObject().Key("metric");
      WriteMetric(w, s.labels);
      w.Key("values").BeginArray();
      for (const auto& p : s.points) WritePoint(w, p.t, p.v);
      w.EndArray().EndObject();
    }
    w.EndArray();
  }
}

}  // namespace

PrometheusApi::PrometheusApi(const store::Querier* querier, const promql::Engine* engine,
                             PrometheusApiOptions options)
    : querier_(querier), engine_(engine), options_(std::move(options)) {
  if (!options_.now_ms) options_.now_ms = [] { return NowUnixMillis(); };
}

void PrometheusApi::Register(http::Router* router,
                             const std::function<http::Handler(http::Handler)>& wrap) {
  router->Add({"GET", "POST"}, "/api/v1/query",
              wrap([this](http::Request&& req, http::Responder respond) { respond(Query(req)); }));
  router->Add(
      {"GET", "POST"}, "/api/v1/query_range",
      wrap([this](http::Request&& req, http::Responder respond) { respond(QueryRange(req)); }));
  router->Add(
      {"GET", "POST"}, "/api/v1/format_query",
      wrap([this](http::Request&& req, http::Responder respond) { respond(FormatQuery(req)); }));
}

namespace {

// Parses the options shared by both query endpoints. Returns an error response on failure.
std::optional<http::Response> ParseQueryOptions(const http::FormValues& params,
                                                promql::QueryOptions* opts) {
  for (const char* name : {"timeout", "lookback_delta"}) {
    const std::string* v = params.Get(name);
    if (v == nullptr || v->empty()) continue;
    auto d = ParseDurationParam(*v);
    if (!d.ok()) {
      return Error(promql::ErrorType::kBadData,
                   fmt::format("invalid parameter \"{}\": {}", name, d.error().message()));
    }
    if (std::string_view(name) == "timeout") {
      opts->timeout = std::chrono::milliseconds(*d);
    } else {
      opts->lookback_delta_ms = *d;
    }
  }
  return std::nullopt;
}

Result<int64_t> TimeParam(const http::FormValues& params, const char* name) {
  const std::string* v = params.Get(name);
  if (v == nullptr || v->empty()) {
    return InvalidArgument(
        fmt::format("invalid parameter \"{}\": cannot parse \"\" to a valid "
                    "timestamp",
                    name));
  }
  auto t = ParseTimeParam(*v);
  if (!t.ok()) {
    return InvalidArgument(fmt::format("invalid parameter \"{}\": {}", name, t.error().message()));
  }
  return *t;
}

}  // namespace

http::Response PrometheusApi::Success(const promql::QueryResult& result) const {
  http::Response res;
  JsonWriter w(&res.body);
  w.BeginObject().Key("status").String("success").Key("data").BeginObject();
  WriteValue(w, result.value);
  w.EndObject();
  std::vector<std::string> warnings = options_.warnings;
  warnings.insert(warnings.end(), result.warnings.begin(), result.warnings.end());
  if (!warnings.empty()) {
    w.Key("warnings").BeginArray();
    for (const auto& s : warnings) w.String(s);
    w.EndArray();
  }
  if (!result.infos.empty()) {
    w.Key("infos").BeginArray();
    for (const auto& s : result.infos) w.String(s);
    w.EndArray();
  }
  w.EndObject();
  return res;
}

http::Response PrometheusApi::Query(const http::Request& request) const {
  auto params = http::RequestParams(request);
  if (!params.ok()) return Error(promql::ErrorType::kBadData, params.error().message());
  const std::string* query = params->Get("query");
  if (query == nullptr || query->empty()) {
    return Error(promql::ErrorType::kBadData, "invalid parameter \"query\": query is empty");
  }
  int64_t t = options_.now_ms();
  if (const std::string* ts = params->Get("time"); ts != nullptr && !ts->empty()) {
    auto parsed = TimeParam(*params, "time");
    if (!parsed.ok()) return Error(promql::ErrorType::kBadData, parsed.error().message());
    t = *parsed;
  }
  promql::QueryOptions opts;
  if (auto err = ParseQueryOptions(*params, &opts)) return *err;
  auto result = engine_->InstantQuery(*querier_, *query, t, opts);
  if (!result.ok()) return Error(result.error().type, result.error().message);
  return Success(*result);
}

http::Response PrometheusApi::QueryRange(const http::Request& request) const {
  auto params = http::RequestParams(request);
  if (!params.ok()) return Error(promql::ErrorType::kBadData, params.error().message());
  const std::string* query = params->Get("query");
  if (query == nullptr || query->empty()) {
    return Error(promql::ErrorType::kBadData, "invalid parameter \"query\": query is empty");
  }
  auto start = TimeParam(*params, "start");
  if (!start.ok()) return Error(promql::ErrorType::kBadData, start.error().message());
  auto end = TimeParam(*params, "end");
  if (!end.ok()) return Error(promql::ErrorType::kBadData, end.error().message());
  if (*end < *start) {
    return Error(promql::ErrorType::kBadData,
                 "invalid parameter \"end\": end timestamp must not be before start time");
  }
  const std::string* step_text = params->Get("step");
  if (step_text == nullptr || step_text->empty()) {
    return Error(promql::ErrorType::kBadData,
                 "invalid parameter \"step\": cannot parse \"\" to a valid duration");
  }
  auto step = ParseDurationParam(*step_text);
  if (!step.ok()) {
    return Error(promql::ErrorType::kBadData,
                 fmt::format("invalid parameter \"step\": {}", step.error().message()));
  }
  if (*step <= 0) {
    return Error(promql::ErrorType::kBadData,
                 "zero or negative query resolution step widths are not accepted. Try a "
                 "positive integer");
  }
  if ((*end - *start) / *step > 11000) {
    return Error(promql::ErrorType::kBadData,
                 "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing "
                 "the query resolution (?step=XX)");
  }
  promql::QueryOptions opts;
  if (auto err = ParseQueryOptions(*params, &opts)) return *err;
  auto result = engine_->RangeQuery(*querier_, *query, *start, *end, *step, opts);
  if (!result.ok()) return Error(result.error().type, result.error().message);
  return Success(*result);
}

http::Response PrometheusApi::FormatQuery(const http::Request& request) const {
  auto params = http::RequestParams(request);
  if (!params.ok()) return Error(promql::ErrorType::kBadData, params.error().message());
  const std::string* query = params->Get("query");
  if (query == nullptr || query->empty()) {
    return Error(promql::ErrorType::kBadData, "invalid parameter \"query\": query is empty");
  }
  auto expr = promql::ParseExpr(*query);
  if (!expr.ok()) {
    return Error(promql::ErrorType::kBadData,
                 fmt::format("invalid parameter \"query\": {}", expr.error().message()));
  }
  http::Response res;
  JsonWriter w(&res.body);
  w.BeginObject().Key("status").String("success").Key("data").String(promql::Format(**expr));
  w.EndObject();
  return res;
}

}  // namespace lm::api
