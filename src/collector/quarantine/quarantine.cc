#include "collector/quarantine/quarantine.h"

#include <chrono>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "objectstore/object_layout.h"

namespace lm::collector {
namespace {

using objectstore::kQuarantinePrefix;

constexpr std::string_view kFrameSuffix = ".frame";
constexpr std::string_view kMetaSuffix = ".json";

std::string FrameKey(std::string_view id) {
  return fmt::format("{}{}{}", kQuarantinePrefix, id, kFrameSuffix);
}
std::string MetaKey(std::string_view id) {
  return fmt::format("{}{}{}", kQuarantinePrefix, id, kMetaSuffix);
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Result<QuarantineEntry> DecodeMeta(std::string_view id, std::string_view text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return DataLoss(fmt::format("quarantine entry {}: metadata is not JSON", id));
  }
  QuarantineEntry e;
  e.id = std::string(id);
  try {
    e.identity.agent_id = j.at("agent_id").get<std::string>();
    e.identity.boot_id = j.at("boot_id").get<std::string>();
    e.identity.seq_start = j.at("seq_start").get<uint64_t>();
    e.identity.seq_end = j.at("seq_end").get<uint64_t>();
    e.sha256 = j.at("sha256").get<std::string>();
    e.accepted_sha256 = j.at("accepted_sha256").get<std::string>();
    e.frame_bytes = j.at("frame_bytes").get<uint64_t>();
    e.received_unix_ms = j.at("received_unix_ms").get<int64_t>();
    e.collector = j.at("collector").get<std::string>();
    e.reason = j.at("reason").get<std::string>();
  } catch (const nlohmann::json::exception& ex) {
    return DataLoss(fmt::format("quarantine entry {}: {}", id, ex.what()));
  }
  return e;
}

}  // namespace

Status Quarantine::CheckId(std::string_view id) const {
  // <agent>/<boot>/<seqs>/<sha256>: exactly four segments, none empty or a dot segment.
  size_t segments = 1;
  for (char c : id) segments += c == '/';
  if (id.empty() || segments != 4 || id.find("..") != std::string_view::npos ||
      id.find("//") != std::string_view::npos || id.front() == '/' || id.back() == '/') {
    return InvalidArgument(fmt::format(
        "quarantine id \"{}\" is not of the form <agent>/<boot>/<seq range>/<sha256>", id));
  }
  return objectstore::ValidateKey(FrameKey(id));
}

Status Quarantine::Add(const protocol::BatchIdentity& identity, std::string_view frame,
                       std::string_view sha256, std::string_view accepted_sha256,
                       std::string_view reason) {
  const std::string key = objectstore::QuarantineKey(identity, sha256);
  std::string id = key.substr(kQuarantinePrefix.size());
  id.resize(id.size() - kFrameSuffix.size());
  Status s = store_->Create(key, frame);
  if (!s.ok() && s.code() != StatusCode::kAlreadyExists) return s;
  nlohmann::ordered_json meta = {{"agent_id", identity.agent_id},
                                 {"boot_id", identity.boot_id},
                                 {"seq_start", identity.seq_start},
                                 {"seq_end", identity.seq_end},
                                 {"sha256", sha256},
                                 {"accepted_sha256", accepted_sha256},
                                 {"frame_bytes", frame.size()},
                                 {"received_unix_ms", NowMs()},
                                 {"collector", collector_id_},
                                 {"reason", reason}};
  s = store_->Create(MetaKey(id), meta.dump());
  if (!s.ok() && s.code() != StatusCode::kAlreadyExists) return s;
  return Status::Ok();
}

Result<std::vector<QuarantineEntry>> Quarantine::List(size_t limit) {
  std::vector<QuarantineEntry> out;
  Status listed =
      objectstore::ListAll(*store_, kQuarantinePrefix, "", [&](const objectstore::ObjectInfo& o) {
        if (!o.key.ends_with(kFrameSuffix)) return true;
        std::string id = o.key.substr(kQuarantinePrefix.size());
        id.resize(id.size() - kFrameSuffix.size());
        auto entry = Get(id);
        if (entry.ok()) {
          out.push_back(std::move(entry).value());
        } else {
          QuarantineEntry e;
          e.id = id;
          e.frame_bytes = o.size;
          e.reason = "metadata unreadable: " + entry.error().ToString();
          out.push_back(std::move(e));
        }
        return out.size() < limit;
      });
  if (!listed.ok()) return listed;
  return out;
}

Result<QuarantineEntry> Quarantine::Get(std::string_view id) {
  LM_RETURN_IF_ERROR(CheckId(id));
  auto meta = store_->Get(MetaKey(id));
  if (!meta.ok()) {
    if (meta.error().code() == StatusCode::kNotFound) {
      return NotFound(fmt::format("no quarantine entry {}", id));
    }
    return meta.error();
  }
  return DecodeMeta(id, *meta);
}

Result<std::string> Quarantine::Frame(std::string_view id) {
  LM_RETURN_IF_ERROR(CheckId(id));
  auto frame = store_->Get(FrameKey(id));
  if (!frame.ok() && frame.error().code() == StatusCode::kNotFound) {
    return NotFound(fmt::format("no quarantine entry {}", id));
  }
  return frame;
}

Status Quarantine::Resolve(std::string_view id) {
  LM_RETURN_IF_ERROR(CheckId(id));
  auto head = store_->Head(FrameKey(id));
  auto meta = store_->Head(MetaKey(id));
  if (!head.ok() && head.error().code() != StatusCode::kNotFound) return head.error();
  if (!meta.ok() && meta.error().code() != StatusCode::kNotFound) return meta.error();
  if (!head.ok() && !meta.ok()) return NotFound(fmt::format("no quarantine entry {}", id));
  // The frame last: an entry half deleted by a crash still lists (by its frame, with
  // unreadable metadata) until the operator resolves it again.
  LM_RETURN_IF_ERROR(store_->Delete(MetaKey(id)));
  return store_->Delete(FrameKey(id));
}

}  // namespace lm::collector
