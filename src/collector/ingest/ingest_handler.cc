#include "collector/ingest/ingest_handler.h"

#include <charconv>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "protocol/batch_codec.h"

namespace lm::collector {
namespace {

http::Response Reject(int status, std::string_view reason, std::string_view message,
                      std::string_view rule = {}) {
  nlohmann::ordered_json j = {
      {"status", "error"}, {"reason", std::string(reason)}, {"error", std::string(message)}};
  if (!rule.empty()) j["rule"] = std::string(rule);
  http::Response r;
  r.status = status;
  r.body = j.dump();
  return r;
}

std::optional<uint64_t> ParseSeq(std::string_view s) {
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

http::Response Ack(const protocol::BatchIdentity& id, bool duplicate) {
  nlohmann::ordered_json j = {{"status", duplicate ? "duplicate" : "accepted"},
                              {"agent_id", id.agent_id},
                              {"boot_id", id.boot_id},
                              {"seq_start", id.seq_start},
                              {"seq_end", id.seq_end}};
  http::Response r;
  r.body = j.dump();
  return r;
}

}  // namespace

bool IngestHandler::CheckHeaders(const http::Request& head, http::Response* reject) const {
  if (head.path == kLimitsPath) {
    if (head.method != "GET") {
      *reject = Reject(405, "method_not_allowed", "use GET");
      reject->AddHeader("Allow", "GET");
      return true;
    }
    if (!auth_.Authenticate(head.Header("authorization"))) {
      *reject = Reject(401, "unauthorized", "missing or unknown bearer token");
      reject->AddHeader("WWW-Authenticate", "Bearer");
      return true;
    }
    return false;
  }
  if (head.path != kIngestPath) {
    *reject =
        Reject(404, "not_found",
               fmt::format("the ingest listener serves only {} and {}", kIngestPath, kLimitsPath));
    return true;
  }
  if (head.method != "POST") {
    *reject = Reject(405, "method_not_allowed", "use POST");
    reject->AddHeader("Allow", "POST");
    return true;
  }
  if (head.HasHeader("content-encoding")) {
    *reject = Reject(415, "unsupported_content_encoding",
                     "HTTP Content-Encoding is not supported; compression is a frame flag");
    return true;
  }
  if (head.Header("content-type") != kFrameContentType) {
    *reject = Reject(415, "unsupported_content_type",
                     fmt::format("Content-Type must be {}", kFrameContentType));
    return true;
  }
  auto agent = auth_.Authenticate(head.Header("authorization"));
  if (!agent) {
    *reject = Reject(401, "unauthorized", "missing or unknown bearer token");
    reject->AddHeader("WWW-Authenticate", "Bearer");
    return true;
  }
  if (head.Header("x-lightmetrics-agent") != *agent) {
    *reject = Reject(403, "agent_mismatch",
                     "X-Lightmetrics-Agent does not match the agent the token belongs to");
    return true;
  }
  auto start = ParseSeq(head.Header("x-lightmetrics-seq-start"));
  auto end = ParseSeq(head.Header("x-lightmetrics-seq-end"));
  if (!start || !end || *end < *start) {
    *reject = Reject(400, "bad_header",
                     "X-Lightmetrics-Seq-Start and X-Lightmetrics-Seq-End must be unsigned "
                     "integers with start <= end");
    return true;
  }
  return false;
}

void IngestHandler::Handle(http::Request&& request, http::Responder respond) const {
  http::Response reject;
  if (CheckHeaders(request, &reject)) {
    respond(std::move(reject));
    return;
  }
  if (request.path == kLimitsPath) {
    respond(LimitsResponse());
    return;
  }
  auto decoded = protocol::DecodeBatchFrame(request.body, limits_);
  if (!decoded.ok()) {
    const auto& e = decoded.error();
    int status = e.kind == protocol::DecodeErrorKind::kFrameTooLarge ? 413 : 400;
    respond(Reject(status, protocol::DecodeErrorKindName(e.kind), e.detail, e.rule));
    return;
  }
  const protocol::BatchIdentity& id = decoded->identity;
  if (id.agent_id != request.Header("x-lightmetrics-agent")) {
    respond(Reject(403, "agent_mismatch",
                   fmt::format("the batch names agent '{}', the token belongs to '{}'", id.agent_id,
                               request.Header("x-lightmetrics-agent"))));
    return;
  }
  if (std::to_string(id.seq_start) != request.Header("x-lightmetrics-seq-start") ||
      std::to_string(id.seq_end) != request.Header("x-lightmetrics-seq-end")) {
    respond(Reject(400, "identity_mismatch",
                   "the batch's sequence range differs from the X-Lightmetrics-Seq headers"));
    return;
  }
  auto batch = std::make_shared<const protocol::Batch>(std::move(decoded).value());
  acceptor_->Accept(batch, std::move(request.body),
                    [batch, respond = std::move(respond)](AcceptOutcome outcome) {
                      switch (outcome.kind) {
                        case AcceptOutcomeKind::kAccepted:
                          respond(Ack(batch->identity, false));
                          return;
                        case AcceptOutcomeKind::kDuplicate:
                          respond(Ack(batch->identity, true));
                          return;
                        case AcceptOutcomeKind::kConflict:
                          respond(Reject(409, "identity_conflict", outcome.message));
                          return;
                        case AcceptOutcomeKind::kUnavailable: {
                          http::Response r = Reject(503, "unavailable", outcome.message);
                          r.AddHeader("Retry-After", "5");
                          respond(std::move(r));
                          return;
                        }
                      }
                    });
}

http::Response IngestHandler::LimitsResponse() const {
  const protocol::DecodeLimits& l = limits_;
  nlohmann::ordered_json j = {{"status", "success"},
                              {"frame_version", protocol::kFrameVersion},
                              {"compression", {"none", "zstd"}},
                              {"limits",
                               {{"max_frame_bytes", l.max_frame_bytes},
                                {"max_series_per_batch", l.max_series_per_batch},
                                {"max_labels_per_series", l.max_labels_per_series},
                                {"max_label_key_bytes", l.max_label_key_bytes},
                                {"max_label_value_bytes", l.max_label_value_bytes},
                                {"max_samples_per_series", l.max_samples_per_series},
                                {"max_buckets_per_histogram", l.max_buckets_per_histogram},
                                {"max_logs_per_batch", l.max_logs_per_batch},
                                {"max_log_message_bytes", l.max_log_message_bytes},
                                {"max_alerts_per_batch", l.max_alerts_per_batch}}}};
  http::Response r;
  r.body = j.dump();
  return r;
}

}  // namespace lm::collector
