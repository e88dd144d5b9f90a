#include "api/logs_api.h"

#include <time.h>

#include <algorithm>
#include <charconv>
#include <limits>
#include <optional>

#include <fmt/format.h>

#include "api/json_writer.h"
#include "api/logs_api_internal.h"
#include "api/time_param.h"
#include "common/utf8.h"
#include "http/form.h"
#include "store/logs/record_cursor.h"

namespace lm::api {
namespace logs_internal {

using store::logs::Cursor;
using store::logs::CursorKind;
using store::logs::Order;
using store::logs::RecordFilter;
using store::logs::RecordPage;
using store::logs::RecordQuery;
using store::logs::StoredRecord;

constexpr size_t kDefaultLimit = 100;

http::Response BadParam(std::string_view name, std::string_view why) {
  return http::JsonError(400, "bad_data", fmt::format("invalid parameter \"{}\": {}", name, why));
}

// RFC 3339 with nanoseconds, trailing zeros of the fraction trimmed (Go's RFC3339Nano), UTC.
// Written digit by digit: it runs once per returned record.
std::string FormatRfc3339Nano(int64_t ns) {
  int64_t sec = ns / 1'000'000'000;
  int64_t frac = ns % 1'000'000'000;
  if (frac < 0) {
    frac += 1'000'000'000;
    --sec;
  }
  int64_t days = sec / 86400;
  int64_t sod = sec % 86400;
  if (sod < 0) {
    sod += 86400;
    --days;
  }
  // Proleptic Gregorian date of a day count since 1970-01-01 (eras of 400 years).
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const int64_t doe = days - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  if (year < 0 || year > 9999) {
    return fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}.{:09d}Z", year, month, day,
                       sod / 3600, sod / 60 % 60, sod % 60, frac);
  }
  char buf[32];
  auto two = [](char* p, int64_t v) {
    p[0] = static_cast<char>('0' + v / 10);
    p[1] = static_cast<char>('0' + v % 10);
  };
  two(buf, year / 100);
  two(buf + 2, year % 100);
  buf[4] = '-';
  two(buf + 5, month);
  buf[7] = '-';
  two(buf + 8, day);
  buf[10] = 'T';
  two(buf + 11, sod / 3600);
  buf[13] = ':';
  two(buf + 14, sod / 60 % 60);
  buf[16] = ':';
  two(buf + 17, sod % 60);
  size_t n = 19;
  if (frac != 0) {
    buf[n++] = '.';
    int digits = 9;
    while (frac % 10 == 0) {
      frac /= 10;
      --digits;
    }
    for (int i = digits - 1; i >= 0; --i) {
      buf[n + i] = static_cast<char>('0' + frac % 10);
      frac /= 10;
    }
    n += digits;
  }
  buf[n++] = 'Z';
  return std::string(buf, n);
}

std::optional<protocol::Severity> ParseSeverity(std::string_view s) {
  for (int i = 0; i <= static_cast<int>(protocol::Severity::kFatal); ++i) {
    const auto sev = static_cast<protocol::Severity>(i);
    const std::string_view name = protocol::SeverityName(sev);
    if (s.size() == name.size() && std::equal(s.begin(), s.end(), name.begin(), [](char a, char b) {
          return (a >= 'A' && a <= 'Z' ? a + 32 : a) == b;
        })) {
      return sev;
    }
  }
  return std::nullopt;
}

int64_t MillisToNanos(int64_t ms) {
  constexpr int64_t kLimit = std::numeric_limits<int64_t>::max() / 1'000'000;
  return std::clamp(ms, -kLimit, kLimit) * 1'000'000;
}

// Parses the request into `out`; returns the 400 response for a bad parameter.
std::optional<http::Response> Parse(const http::Request& request, const Endpoint& ep, Parsed* out) {
  auto params = http::RequestParams(request);
  if (!params.ok()) return http::JsonError(400, "bad_data", params.error().message());
  // A non-empty value of `name`, or null.
  auto value = [&](std::string_view name) -> const std::string* {
    const std::string* v = params->Get(name);
    return v != nullptr && !v->empty() ? v : nullptr;
  };
  auto non_empty = [&](std::string_view name) {
    std::vector<std::string> all = params->GetAll(name);
    std::erase_if(all, [](const std::string& s) { return s.empty(); });
    return all;
  };
  RecordFilter& f = out->query.filter;

  for (std::string_view name : {"start", "end"}) {
    const std::string* v = value(name);
    if (v == nullptr) continue;
    auto ms = ParseTimeParam(*v);
    if (!ms.ok()) return BadParam(name, ms.error().message());
    const int64_t ns = MillisToNanos(*ms);
    if (name == "start") {
      f.min_time = ns;
      out->start = ns;
    } else {
      f.max_time = ns;
    }
  }
  if (f.max_time < f.min_time)
    return BadParam("end", "end timestamp must not be before start time");

  if (const std::string* v = value("agent_id")) f.agent_id = *v;
  if (const std::string* v = value("boot_id")) f.boot_id = *v;
  if (const std::string* v = value(ep.name_param)) f.name = *v;
  if (const std::string* v = value("severity")) {
    f.severity = ParseSeverity(*v);
    if (!f.severity) {
      return BadParam("severity", fmt::format("unknown severity \"{}\" (want unspecified, trace, "
                                              "debug, info, warn, error or fatal)",
                                              *v));
    }
  }
  if (const std::string* v = value("min_severity")) {
    auto sev = ParseSeverity(*v);
    if (!sev || *sev == protocol::Severity::kUnspecified) {
      return BadParam("min_severity",
                      fmt::format("unknown severity \"{}\" (want trace, debug, info, warn, error "
                                  "or fatal)",
                                  *v));
    }
    f.min_severity = *sev;
  }
  if (ep.alerts) {
    if (const std::string* v = value("state")) {
      for (auto st : {protocol::AlertState::kFiring, protocol::AlertState::kResolved,
                      protocol::AlertState::kPending}) {
        if (*v == protocol::AlertStateName(st)) f.state = static_cast<uint8_t>(st);
      }
      if (!f.state) {
        return BadParam("state",
                        fmt::format("unknown state \"{}\" (want firing, resolved or pending)", *v));
      }
    }
  }
  for (const auto& [k, v] : params->pairs()) {
    if (!k.starts_with(ep.kv_prefix)) continue;
    if (k.size() == ep.kv_prefix.size()) return BadParam(k, "missing key after the prefix");
    f.kvs.push_back({k.substr(ep.kv_prefix.size()), v});
  }
  std::sort(f.kvs.begin(), f.kvs.end(), [](const protocol::Label& a, const protocol::Label& b) {
    return std::tie(a.key, a.value) < std::tie(b.key, b.value);
  });
  f.kvs.erase(std::unique(f.kvs.begin(), f.kvs.end()), f.kvs.end());

  store::logs::TextSpec spec;
  spec.contains = non_empty("contains");
  spec.icontains = non_empty("icontains");
  spec.regex = non_empty("regex");
  if (const std::string* v = value("case_insensitive")) {
    if (*v == "true" || *v == "1") {
      spec.case_insensitive = true;
    } else if (*v != "false" && *v != "0") {
      return BadParam("case_insensitive", fmt::format("cannot parse \"{}\" as a boolean", *v));
    }
  }
  for (const std::string& s : spec.icontains) {
    if (!IsValidUtf8(s)) return BadParam("icontains", "case-insensitive text must be UTF-8");
  }
  if (spec.case_insensitive) {
    for (const std::string& s : spec.contains) {
      if (!IsValidUtf8(s)) return BadParam("contains", "case-insensitive text must be UTF-8");
    }
  }
  if (!spec.empty()) {
    auto matcher = store::logs::TextMatcher::Compile(spec);
    if (!matcher.ok()) return BadParam("regex", matcher.error().message());
    f.text = *std::move(matcher);
  }

  if (const std::string* v = value("order")) {
    if (*v == "asc") {
      out->query.order = Order::kAsc;
    } else if (*v != "desc") {
      return BadParam("order", fmt::format("\"{}\" is not asc or desc", *v));
    }
  }
  out->query.limit = kDefaultLimit;
  if (const std::string* v = value("limit")) {
    int64_t limit = -1;
    auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), limit);
    if (ec != std::errc() || p != v->data() + v->size() || limit < 1 ||
        limit > static_cast<int64_t>(kMaxLimit)) {
      return BadParam("limit",
                      fmt::format("\"{}\" is not an integer between 1 and {}", *v, kMaxLimit));
    }
    out->query.limit = static_cast<size_t>(limit);
  }
  if (const std::string* v = value("cursor")) {
    auto c = store::logs::DecodeCursor(*v);
    if (!c.ok()) return BadParam("cursor", c.error().message());
    if (c->kind != ep.kind) {
      return BadParam("cursor", fmt::format("not a cursor of /api/v1/{}", ep.array));
    }
    if (c->order != out->query.order) {
      return BadParam("cursor",
                      fmt::format("issued for order={}", c->order == Order::kAsc ? "asc" : "desc"));
    }
    if (c->fingerprint != store::logs::FilterFingerprint(f)) {
      return BadParam("cursor", "issued for different filters");
    }
    out->query.after = c->key;
  }
  return std::nullopt;
}

void WriteRecord(const Endpoint& ep, const StoredRecord& r, JsonWriter& w) {
  w.BeginObject()
      .Key("time")
      .String(FormatRfc3339Nano(r.key.time_unix_nano))
      .Key("time_unix_nano")
      .String(std::to_string(r.key.time_unix_nano))
      .Key("agent_id")
      .String(r.agent_id)
      .Key("boot_id")
      .String(r.boot_id)
      .Key("seq")
      .Uint(r.seq)
      .Key("severity")
      .String(protocol::SeverityName(r.severity));
  if (ep.alerts) {
    w.Key("name").String(r.name).Key("state").String(
        protocol::AlertStateName(static_cast<protocol::AlertState>(r.state)));
  } else {
    w.Key("target").String(r.name);
  }
  w.Key("message").String(r.message).Key(ep.kv_key).BeginObject();
  for (const protocol::Label& l : r.kvs) w.Key(l.key).String(l.value);
  w.EndObject().EndObject();
}

namespace {

template <typename Store>
http::Response Serve(const Store& store, const Endpoint& ep, const http::Request& request,
                     const std::vector<std::string>& base_warnings) {
  Parsed parsed;
  if (auto err = Parse(request, ep, &parsed)) return *err;
  const RecordPage page = store.Query(parsed.query);

  std::vector<std::string> warnings = base_warnings;
  if (parsed.start) {
    const std::optional<int64_t> oldest = store.OldestTime();
    if (!oldest) {
      warnings.push_back(fmt::format(
          "no local {0} horizon: no {0} records are held locally, so the requested range is "
          "outside the local horizon",
          ep.noun));
    } else if (*parsed.start < *oldest) {
      warnings.push_back(fmt::format(
          "the requested range starts before the local {0} horizon (oldest local {0} record at "
          "{1}); earlier {0}s are outside the local horizon",
          ep.noun, FormatRfc3339Nano(*oldest)));
    }
  }

  http::Response res;
  JsonWriter w(&res.body);
  w.BeginObject().Key("status").String("success").Key("data").BeginObject();
  w.Key(ep.array).BeginArray();
  for (const StoredRecord& r : page.records) WriteRecord(ep, r, w);
  w.EndArray().Key("next_cursor");
  if (page.more && !page.records.empty()) {
    w.String(store::logs::EncodeCursor({ep.kind, parsed.query.order,
                                        store::logs::FilterFingerprint(parsed.query.filter),
                                        page.records.back().key}));
  } else {
    w.Null();
  }
  w.EndObject();
  if (!warnings.empty()) {
    w.Key("warnings").BeginArray();
    for (const std::string& s : warnings) w.String(s);
    w.EndArray();
  }
  w.EndObject();
  return res;
}

}  // namespace
}  // namespace logs_internal

using logs_internal::kAlerts;
using logs_internal::kLogs;
using logs_internal::Serve;

void LogsApi::Register(http::Router* router,
                       const std::function<http::Handler(http::Handler)>& wrap) {
  router->Add({"GET", "POST"}, "/api/v1/logs",
              wrap([this](http::Request&& r, http::Responder respond) { respond(Logs(r)); }));
  router->Add({"GET", "POST"}, "/api/v1/alerts",
              wrap([this](http::Request&& r, http::Responder respond) { respond(Alerts(r)); }));
}

http::Response LogsApi::Logs(const http::Request& request) const {
  return Serve(*logs_, kLogs, request, warnings_);
}

http::Response LogsApi::Alerts(const http::Request& request) const {
  return Serve(*alerts_, kAlerts, request, warnings_);
}

}  // namespace lm::api
