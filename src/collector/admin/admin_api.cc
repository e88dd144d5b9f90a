#include "collector/admin/admin_api.h"

#include <charconv>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "http/form.h"
#include "protocol/batch_codec.h"
#include "protocol/limits.h"

namespace lm::collector {
namespace {

using nlohmann::json;

http::Response Json(int status, const json& body) {
  http::Response r;
  r.status = status;
  r.body = body.dump();
  return r;
}

http::Response Success(json data) { return Json(200, {{"status", "success"}, {"data", data}}); }

http::Response Error(const Status& s) {
  int status = 500;
  std::string type = "internal";
  switch (s.code()) {
    case StatusCode::kInvalidArgument:
      status = 400;
      type = "bad_data";
      break;
    case StatusCode::kNotFound:
      status = 404;
      type = "not_found";
      break;
    case StatusCode::kUnavailable:
      status = 503;
      type = "object_store_unavailable";
      break;
    default:
      break;
  }
  return Json(status, {{"status", "error"}, {"errorType", type}, {"error", s.message()}});
}

json EntryJson(const QuarantineEntry& e) {
  return {{"id", e.id},
          {"agent_id", e.identity.agent_id},
          {"boot_id", e.identity.boot_id},
          {"seq_start", e.identity.seq_start},
          {"seq_end", e.identity.seq_end},
          {"sha256", e.sha256},
          {"accepted_sha256", e.accepted_sha256},
          {"frame_bytes", e.frame_bytes},
          {"received_unix_ms", e.received_unix_ms},
          {"collector", e.collector},
          {"reason", e.reason}};
}

Result<std::string> RequiredParam(const http::Request& request, std::string_view name) {
  LM_ASSIGN_OR_RETURN(http::FormValues params, http::RequestParams(request));
  const std::string* v = params.Get(name);
  if (v == nullptr || v->empty()) {
    return InvalidArgument(fmt::format("missing parameter \"{}\"", name));
  }
  return *v;
}

}  // namespace

void RegisterAdminApi(const AdminApiParts& parts, http::Router* router,
                      const std::function<http::Handler(http::Handler)>& wrap) {
  router->Add({"GET"}, "/api/v1/object-store/reconciliation",
              wrap([parts](http::Request&&, http::Responder respond) {
                if (parts.reconciler == nullptr) {
                  respond(Success({{"state", "disabled"},
                                   {"object_store", nullptr},
                                   {"reason", "no object store is configured"}}));
                  return;
                }
                const objectstore::ReconcileReport r = parts.reconciler->LastReport();
                respond(Success({{"state", objectstore::ReconcileStateName(r.state)},
                                 {"object_store", parts.object_store},
                                 {"started_unix_ms", r.started_unix_ms},
                                 {"finished_unix_ms", r.finished_unix_ms},
                                 {"manifests_scanned", r.manifests_scanned},
                                 {"index_entries_scanned", r.index_entries_scanned},
                                 {"repairs", r.repairs},
                                 {"errors", r.errors},
                                 {"error_samples", r.error_samples}}));
              }));

  router->Add({"GET"}, "/api/v1/admin/landing",
              wrap([parts](http::Request&&, http::Responder respond) {
                if (parts.lander == nullptr) {
                  respond(Success({{"state", "disabled"},
                                   {"reason",
                                    "landing runs in local_spool mode with an object "
                                    "store"}}));
                  return;
                }
                const LanderStats s = parts.lander->stats();
                respond(Success({{"state", s.last_error.empty() ? "ok" : "retrying"},
                                 {"object_store", parts.object_store},
                                 {"landed", s.landed},
                                 {"duplicates", s.duplicates},
                                 {"conflicts", s.conflicts},
                                 {"unreadable", s.unreadable},
                                 {"passes", s.passes},
                                 {"failed_passes", s.failed_passes},
                                 {"landed_segment", s.landed_to.segment},
                                 {"landed_offset", s.landed_to.offset},
                                 {"last_pass_unix_ms", s.last_pass_unix_ms},
                                 {"last_error", s.last_error}}));
              }));

  router->Add(
      {"GET"}, "/api/v1/admin/quarantine",
      wrap([parts](http::Request&& request, http::Responder respond) {
        size_t limit = 100;
        auto params = http::RequestParams(request);
        if (!params.ok()) return respond(Error(params.error()));
        if (const std::string* l = params->Get("limit")) {
          auto [p, ec] = std::from_chars(l->data(), l->data() + l->size(), limit);
          if (ec != std::errc() || p != l->data() + l->size() || limit == 0 || limit > 1000) {
            return respond(Error(InvalidArgument("limit must be 1..1000")));
          }
        }
        auto entries = parts.quarantine->List(limit);
        if (!entries.ok()) return respond(Error(entries.error()));
        json list = json::array();
        for (const QuarantineEntry& e : *entries) list.push_back(EntryJson(e));
        respond(Success({{"entries", list}}));
      }));

  router->Add({"GET"}, "/api/v1/admin/quarantine/entry",
              wrap([parts](http::Request&& request, http::Responder respond) {
                auto id = RequiredParam(request, "id");
                if (!id.ok()) return respond(Error(id.error()));
                auto entry = parts.quarantine->Get(*id);
                if (!entry.ok()) return respond(Error(entry.error()));
                json data = EntryJson(*entry);
                auto frame = parts.quarantine->Frame(*id);
                if (frame.ok()) {
                  auto batch = protocol::DecodeBatchFrame(*frame, protocol::AcceptedFrameLimits());
                  if (batch.ok()) {
                    data["batch"] = {{"series", batch->series.size()},
                                     {"logs", batch->logs.size()},
                                     {"alerts", batch->alerts.size()},
                                     {"host", batch->host.hostname}};
                  } else {
                    data["batch_error"] = batch.error().ToString();
                  }
                } else {
                  data["batch_error"] = frame.error().ToString();
                }
                respond(Success(data));
              }));

  router->Add({"POST"}, "/api/v1/admin/quarantine/resolve",
              wrap([parts](http::Request&& request, http::Responder respond) {
                auto id = RequiredParam(request, "id");
                if (!id.ok()) return respond(Error(id.error()));
                Status s = parts.quarantine->Resolve(*id);
                if (!s.ok()) return respond(Error(s));
                respond(Success({{"resolved", *id}}));
              }));
}

}  // namespace lm::collector
