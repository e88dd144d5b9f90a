#include "api/prometheus_api.h"

#include <fmt/format.h>

#include "api/json_writer.h"
#include "api/time_param.h"
#include "common/clock.h"
#include "common/float_format.h"
#include "http/form.h"

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
    auto parsed = ParseTimeParam(*ts);
    if (!parsed.ok()) {
      return Error(promql::ErrorType::kBadData,
                   fmt::format("invalid parameter \"time\": {}", parsed.error().message()));
    }
    t = *parsed;
  }
  auto result = engine_->InstantQuery(*querier_, *query, t);
  if (!result.ok()) return Error(result.error().type, result.error().message);
  http::Response res;
  JsonWriter w(&res.body);
  w.BeginObject().Key("status").String("success").Key("data").BeginObject();
  WriteValue(w, result->value);
  w.EndObject();
  std::vector<std::string> warnings = options_.warnings;
  warnings.insert(warnings.end(), result->warnings.begin(), result->warnings.end());
  if (!warnings.empty()) {
    w.Key("warnings").BeginArray();
    for (const auto& s : warnings) w.String(s);
    w.EndArray();
  }
  w.EndObject();
  return res;
}

}  // namespace lm::api
