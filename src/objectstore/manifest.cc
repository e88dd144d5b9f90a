#include "objectstore/manifest.h"

#include <algorithm>
#include <limits>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "objectstore/object_layout.h"

namespace lm::objectstore {
namespace {

constexpr int kFormat = 1;

Status Bad(std::string_view why) { return DataLoss(fmt::format("accepted manifest: {}", why)); }

bool IsSha256Hex(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

}  // namespace

AcceptedManifest MakeManifest(const protocol::Batch& batch, std::string_view sha256,
                              uint64_t frame_bytes, int64_t accepted_unix_ms,
                              std::string_view collector) {
  AcceptedManifest m;
  m.identity = batch.identity;
  m.sha256 = std::string(sha256);
  m.blob_key = RawBlobKey(sha256);
  m.frame_bytes = frame_bytes;
  m.accepted_unix_ms = accepted_unix_ms;
  m.collector = std::string(collector);
  int64_t lo = std::numeric_limits<int64_t>::max();
  int64_t hi = std::numeric_limits<int64_t>::min();
  auto see = [&](int64_t unix_nano) {
    const int64_t ms = unix_nano / 1'000'000;
    lo = std::min(lo, ms);
    hi = std::max(hi, ms);
  };
  m.series = batch.series.size();
  for (const protocol::MetricSeries& s : batch.series) {
    m.samples += s.samples.size() + s.histogram_samples.size();
    for (const auto& p : s.samples) see(p.time_unix_nano);
    for (const auto& p : s.histogram_samples) see(p.time_unix_nano);
  }
  m.logs = batch.logs.size();
  for (const auto& l : batch.logs) see(l.time_unix_nano);
  m.alerts = batch.alerts.size();
  for (const auto& a : batch.alerts) see(a.time_unix_nano);
  if (lo <= hi) {
    m.min_time_unix_ms = lo;
    m.max_time_unix_ms = hi;
  }
  return m;
}

std::string EncodeManifest(const AcceptedManifest& m) {
  nlohmann::ordered_json j = {
      {"format", kFormat},
      {"agent_id", m.identity.agent_id},
      {"boot_id", m.identity.boot_id},
      {"seq_start", m.identity.seq_start},
      {"seq_end", m.identity.seq_end},
      {"sha256", m.sha256},
      {"blob", m.blob_key},
      {"frame_bytes", m.frame_bytes},
      {"accepted_unix_ms", m.accepted_unix_ms},
      {"collector", m.collector},
      {"series", m.series},
      {"samples", m.samples},
      {"logs", m.logs},
      {"alerts", m.alerts},
      {"min_time_unix_ms", m.min_time_unix_ms},
      {"max_time_unix_ms", m.max_time_unix_ms},
  };
  return j.dump();
}

Result<AcceptedManifest> DecodeManifest(std::string_view text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return Bad("not a JSON object");
  auto format = j.find("format");
  if (format == j.end() || !format->is_number_integer() || format->get<int64_t>() != kFormat) {
    return Bad("unknown format");
  }
  AcceptedManifest m;
  auto str = [&](const char* key, std::string* out) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string()) return false;
    *out = it->get<std::string>();
    return true;
  };
  auto u64 = [&](const char* key, uint64_t* out) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_number_unsigned()) {
      if (it != j.end() && it->is_number_integer() && it->get<int64_t>() == 0) {
        *out = 0;
        return true;
      }
      return false;
    }
    *out = it->get<uint64_t>();
    return true;
  };
  auto i64 = [&](const char* key, int64_t* out) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_number_integer()) return false;
    *out = it->get<int64_t>();
    return true;
  };
  if (!str("agent_id", &m.identity.agent_id) || !str("boot_id", &m.identity.boot_id) ||
      !u64("seq_start", &m.identity.seq_start) || !u64("seq_end", &m.identity.seq_end) ||
      !str("sha256", &m.sha256) || !str("blob", &m.blob_key) ||
      !u64("frame_bytes", &m.frame_bytes) || !i64("accepted_unix_ms", &m.accepted_unix_ms) ||
      !str("collector", &m.collector) || !u64("series", &m.series) || !u64("samples", &m.samples) ||
      !u64("logs", &m.logs) || !u64("alerts", &m.alerts) ||
      !i64("min_time_unix_ms", &m.min_time_unix_ms) ||
      !i64("max_time_unix_ms", &m.max_time_unix_ms)) {
    return Bad("a field is missing or has the wrong type");
  }
  if (m.identity.agent_id.empty() || m.identity.boot_id.empty()) return Bad("empty identity");
  if (!IsSha256Hex(m.sha256)) return Bad("sha256 is not 64 lower-case hex digits");
  if (m.blob_key != RawBlobKey(m.sha256)) return Bad("blob key does not match sha256");
  return m;
}

}  // namespace lm::objectstore
