#include "api/catalog_api.h"

#include <charconv>
#include <limits>
#include <map>
#include <set>

#include <fmt/format.h>

#include "api/json_writer.h"
#include "api/time_param.h"
#include "common/version.h"
#include "http/form.h"
#include "promql/parser.h"

namespace lm::api {
namespace {

constexpr int64_t kMinTime = std::numeric_limits<int64_t>::min() / 2;
constexpr int64_t kMaxTime = std::numeric_limits<int64_t>::max() / 2;

http::Response BadData(std::string_view message) {
  return http::JsonError(400, "bad_data", message);
}

struct CatalogParams {
  std::vector<std::vector<store::Matcher>> matchers;  // one set per match[]
  int64_t start = kMinTime;
  int64_t end = kMaxTime;
  size_t limit = 0;
};

// Parses match[], start, end and limit. Returns the error response on failure.
std::optional<http::Response> ParseCatalogParams(const http::Request& request, CatalogParams* out) {
  auto params = http::RequestParams(request);
  if (!params.ok()) return BadData(params.error().message());
  for (const std::string& m : params->GetAll("match[]")) {
    auto expr = promql::ParseExpr(m);
    if (!expr.ok()) {
      return BadData(fmt::format("invalid parameter \"match[]\": {}", expr.error().message()));
    }
    const auto* vs = std::get_if<promql::VectorSelector>(&(*expr)->node);
    if (vs == nullptr || vs->offset_ms != 0 || vs->at.kind != promql::AtModifier::Kind::kNone) {
      return BadData(fmt::format(
          "invalid parameter \"match[]\": {} is not a series selector (metric{{label=\"v\"}})", m));
    }
    out->matchers.push_back(vs->matchers);
  }
  for (const char* name : {"start", "end"}) {
    const std::string* v = params->Get(name);
    if (v == nullptr || v->empty()) continue;
    auto t = ParseTimeParam(*v);
    if (!t.ok()) {
      return BadData(fmt::format("invalid parameter \"{}\": {}", name, t.error().message()));
    }
    (std::string_view(name) == "start" ? out->start : out->end) = *t;
  }
  if (const std::string* l = params->Get("limit"); l != nullptr && !l->empty()) {
    int64_t limit = -1;
    auto [p, ec] = std::from_chars(l->data(), l->data() + l->size(), limit);
    if (ec != std::errc() || p != l->data() + l->size() || limit < 0) {
      return BadData(
          fmt::format("invalid parameter \"limit\": cannot parse \"{}\" to a "
                      "non-negative integer",
                      *l));
    }
    out->limit = static_cast<size_t>(limit);
  }
  return std::nullopt;
}

// {"status":"success","data":<data>,"warnings":[...]} around what `data` writes.
template <typename WriteData>
http::Response Success(const std::vector<std::string>& base_warnings, bool truncated,
                       WriteData&& data) {
  http::Response res;
  JsonWriter w(&res.body);
  w.BeginObject().Key("status").String("success").Key("data");
  data(w);
  std::vector<std::string> warnings = base_warnings;
  if (truncated) warnings.emplace_back("results truncated due to limit");
  if (!warnings.empty()) {
    w.Key("warnings").BeginArray();
    for (const std::string& s : warnings) w.String(s);
    w.EndArray();
  }
  w.EndObject();
  return res;
}

http::Response StorageError(const Status& s) {
  if (s.code() == StatusCode::kUnavailable) {
    return http::JsonError(503, "unavailable", s.message());
  }
  return http::JsonError(500, "internal", s.message());
}

// Sorted union of string lists.
std::vector<std::string> Union(const std::vector<std::vector<std::string>>& lists) {
  std::set<std::string> all;
  for (const auto& l : lists) all.insert(l.begin(), l.end());
  return {all.begin(), all.end()};
}

// Percent-decodes one path segment.
std::optional<std::string> DecodeSegment(std::string_view s) {
  auto d = http::FormDecode(s);
  if (!d.ok()) return std::nullopt;
  return std::move(d).value();
}

}  // namespace

void CatalogApi::Register(http::Router* router,
                          const std::function<http::Handler(http::Handler)>& wrap) {
  auto add = [&](std::vector<std::string> methods, std::string path,
                 http::Response (CatalogApi::*fn)(const http::Request&) const) {
    router->Add(
        std::move(methods), std::move(path),
        wrap([this, fn](http::Request&& r, http::Responder respond) { respond((this->*fn)(r)); }));
  };
  add({"GET", "POST"}, "/api/v1/labels", &CatalogApi::Labels);
  add({"GET", "POST"}, "/api/v1/series", &CatalogApi::Series);
  add({"GET"}, "/api/v1/metadata", &CatalogApi::Metadata);
  add({"GET"}, "/api/v1/status/buildinfo", &CatalogApi::BuildInfo);
  add({"GET", "POST"}, "/api/v1/query_exemplars", &CatalogApi::QueryExemplars);
  router->AddPrefix(
      {"GET"}, "/api/v1/label/",
      wrap([this](http::Request&& r, http::Responder respond) { respond(LabelValues(r)); }));
}

http::Response CatalogApi::Labels(const http::Request& request) const {
  CatalogParams p;
  if (auto err = ParseCatalogParams(request, &p)) return *err;
  std::vector<std::vector<std::string>> lists;
  if (p.matchers.empty()) p.matchers.emplace_back();
  for (const auto& m : p.matchers) {
    auto names = querier_->LabelNames(m, p.start, p.end);
    if (!names.ok()) return StorageError(names.error());
    lists.push_back(std::move(names).value());
  }
  std::vector<std::string> names = Union(lists);
  const bool truncated = p.limit > 0 && names.size() > p.limit;
  if (truncated) names.resize(p.limit);
  return Success(warnings_, truncated, [&](JsonWriter& w) {
    w.BeginArray();
    for (const std::string& n : names) w.String(n);
    w.EndArray();
  });
}

http::Response CatalogApi::LabelValues(const http::Request& request) const {
  // /api/v1/label/<name>/values
  std::string_view path = request.path;
  constexpr std::string_view kPrefix = "/api/v1/label/";
  constexpr std::string_view kSuffix = "/values";
  if (!path.starts_with(kPrefix) || !path.ends_with(kSuffix) ||
      path.size() <= kPrefix.size() + kSuffix.size()) {
    return http::JsonError(404, "not_found", "not found");
  }
  std::string_view raw = path.substr(kPrefix.size(), path.size() - kPrefix.size() - kSuffix.size());
  auto name = DecodeSegment(raw);
  if (!name || name->empty() || name->find('/') != std::string::npos) {
    return BadData(fmt::format("invalid label name: \"{}\"", raw));
  }
  CatalogParams p;
  if (auto err = ParseCatalogParams(request, &p)) return *err;
  if (p.matchers.empty()) p.matchers.emplace_back();
  std::vector<std::vector<std::string>> lists;
  for (const auto& m : p.matchers) {
    auto values = querier_->LabelValues(*name, m, p.start, p.end);
    if (!values.ok()) return StorageError(values.error());
    lists.push_back(std::move(values).value());
  }
  std::vector<std::string> values = Union(lists);
  const bool truncated = p.limit > 0 && values.size() > p.limit;
  if (truncated) values.resize(p.limit);
  return Success(warnings_, truncated, [&](JsonWriter& w) {
    w.BeginArray();
    for (const std::string& v : values) w.String(v);
    w.EndArray();
  });
}

http::Response CatalogApi::Series(const http::Request& request) const {
  CatalogParams p;
  if (auto err = ParseCatalogParams(request, &p)) return *err;
  if (p.matchers.empty()) return BadData("no match[] parameter provided");
  if (p.end < p.start) return BadData("end timestamp must not be before start time");
  std::set<store::Labels> all;
  for (const auto& m : p.matchers) {
    auto series = querier_->Select(m, p.start, p.end);
    if (!series.ok()) return StorageError(series.error());
    for (const store::SeriesPtr& s : *series) all.insert(s->labels());
  }
  const bool truncated = p.limit > 0 && all.size() > p.limit;
  return Success(warnings_, truncated, [&](JsonWriter& w) {
    w.BeginArray();
    size_t n = 0;
    for (const store::Labels& labels : all) {
      if (p.limit > 0 && n++ == p.limit) break;
      w.BeginObject();
      for (const store::Label& l : labels.items()) w.Key(l.name).String(l.value);
      w.EndObject();
    }
    w.EndArray();
  });
}

http::Response CatalogApi::Metadata(const http::Request& request) const {
  auto params = http::RequestParams(request);
  if (!params.ok()) return BadData(params.error().message());
  auto parse_limit = [&](const char* name, int64_t* out) -> std::optional<http::Response> {
    const std::string* v = params->Get(name);
    if (v == nullptr || v->empty()) return std::nullopt;
    auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), *out);
    if (ec != std::errc() || p != v->data() + v->size()) {
      return BadData(fmt::format("invalid parameter \"{}\": cannot parse \"{}\"", name, *v));
    }
    return std::nullopt;
  };
  int64_t limit = -1;
  int64_t limit_per_metric = -1;
  if (auto e = parse_limit("limit", &limit)) return *e;
  if (auto e = parse_limit("limit_per_metric", &limit_per_metric)) return *e;
  const std::string* metric = params->Get("metric");
  const auto types = querier_->MetricTypes();
  return Success(warnings_, false, [&](JsonWriter& w) {
    w.BeginObject();
    int64_t n = 0;
    for (const auto& [name, type] : types) {
      if (metric != nullptr && !metric->empty() && name != *metric) continue;
      if (limit >= 0 && n >= limit) break;
      ++n;
      w.Key(name).BeginArray();
      if (limit_per_metric != 0) {
        w.BeginObject().Key("type").String(type).Key("help").String("").Key("unit").String("");
        w.EndObject();
      }
      w.EndArray();
    }
    w.EndObject();
  });
}

http::Response CatalogApi::BuildInfo(const http::Request&) const {
  return Success({}, false, [&](JsonWriter& w) {
    w.BeginObject()
        .Key("version")
        .String(kPrometheusApiVersion)
        .Key("revision")
        .String("")
        .Key("branch")
        .String("")
        .Key("buildUser")
        .String("")
        .Key("buildDate")
        .String("")
        .Key("goVersion")
        .String("")
        .Key("application")
        .String("lightmetrics")
        .Key("lightmetricsVersion")
        .String(kVersion)
        .EndObject();
  });
}

http::Response CatalogApi::QueryExemplars(const http::Request& request) const {
  auto params = http::RequestParams(request);
  if (!params.ok()) return BadData(params.error().message());
  const std::string* q = params->Get("query");
  if (q == nullptr || q->empty()) return BadData("invalid parameter \"query\": query is empty");
  auto parsed = promql::ParseExpr(*q);
  if (!parsed.ok()) return BadData(parsed.error().message());
  return Success(warnings_, false, [](JsonWriter& w) { w.BeginArray().EndArray(); });
}

}  // namespace lm::api
