#include "collector/landing/lander.h"

#include <chrono>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/file_util.h"
#include "common/logging.h"
#include "common/sha256.h"
#include "objectstore/accepted_writer.h"
#include "objectstore/manifest.h"
#include "protocol/batch_codec.h"
#include "protocol/limits.h"

namespace lm::collector {
namespace {

constexpr uint64_t kSaveEvery = 256;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::string Lander::MarkerPath(const std::string& spool_dir) {
  return JoinPath(spool_dir, ".object-landed");
}

Result<std::unique_ptr<Lander>> Lander::Open(LanderOptions options, objectstore::ObjectStore* store,
                                             Quarantine* quarantine) {
  auto lander = std::unique_ptr<Lander>(new Lander(std::move(options), store, quarantine));
  const std::string path = MarkerPath(lander->options_.spool_dir);
  auto text = ReadFile(path);
  if (!text.ok()) {
    if (text.error().code() != StatusCode::kNotFound) return text.error();
    return lander;
  }
  nlohmann::json j = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object() || !j.contains("segment") || !j.contains("offset") ||
      !j["segment"].is_number_unsigned() || !j["offset"].is_number_unsigned() ||
      j.value("format", 0) != 1) {
    return DataLoss(
        fmt::format("{} is not a landed marker; move it away to land the whole "
                    "spool again (duplicates are harmless)",
                    path));
  }
  lander->stats_.landed_to = {j["segment"].get<uint64_t>(), j["offset"].get<uint64_t>()};
  return lander;
}

Lander::~Lander() { Stop(); }

Status Lander::SaveMarker(SpoolPosition pos) {
  nlohmann::json j = {{"format", 1}, {"segment", pos.segment}, {"offset", pos.offset}};
  return WriteFileAtomic(MarkerPath(options_.spool_dir), j.dump(), 0600);
}

Status Lander::RunPass() {
  std::lock_guard pass(pass_mu_);
  SpoolPosition from;
  {
    std::lock_guard lock(mu_);
    from = stats_.landed_to;
  }
  const protocol::DecodeLimits limits = protocol::AcceptedFrameLimits();
  Status failure;
  uint64_t since_save = 0;
  SpoolPosition saved = from;
  auto land = [&](SpoolPosition after, int64_t accepted_ms, std::string_view frame) {
    if (stopping_.load()) return false;
    auto batch = protocol::DecodeBatchFrame(frame, limits);
    if (!batch.ok()) {
      lm::log::Error("landing: spool record before {}:{} does not decode ({}); skipped",
                     after.segment, after.offset, batch.error().ToString());
      std::lock_guard lock(mu_);
      stats_.unreadable++;
      stats_.landed_to = after;
      return true;
    }
    const std::string sha = Sha256Hex(frame);
    const objectstore::AcceptedManifest manifest =
        objectstore::MakeManifest(*batch, sha, frame.size(), accepted_ms, options_.collector_id);
    auto written = objectstore::WriteAccepted(*store_, frame, manifest);
    if (!written.ok()) {
      failure = written.error();
      return false;
    }
    const auto& id = batch->identity;
    if (!written->index_status.ok()) {
      lm::log::Warn(
          "landing {}/{}/{}-{}: derived index not written ({}); reconciliation will "
          "repair it",
          id.agent_id, id.boot_id, id.seq_start, id.seq_end, written->index_status.ToString());
    }
    bool conflict = written->outcome == objectstore::WriteOutcome::kConflict;
    if (conflict) {
      lm::log::Error(
          "landing {}/{}/{}-{}: the object store already holds this identity with other bytes "
          "(sha256 {}); the local frame (sha256 {}) goes to the quarantine",
          id.agent_id, id.boot_id, id.seq_start, id.seq_end, written->existing.sha256, sha);
      Status q = quarantine_->Add(id, frame, sha, written->existing.sha256,
                                  "landing: identity already accepted with other bytes");
      if (!q.ok()) {
        failure = q.WithContext("quarantine");
        return false;
      }
    }
    {
      std::lock_guard lock(mu_);
      stats_.landed_to = after;
      if (conflict) {
        stats_.conflicts++;
      } else {
        stats_.landed++;
        if (written->outcome == objectstore::WriteOutcome::kDuplicate) stats_.duplicates++;
      }
    }
    if (++since_save >= kSaveEvery) {
      since_save = 0;
      if (SaveMarker(after).ok()) saved = after;
    }
    return true;
  };
  auto end = ReadSpoolFrom(options_.spool_dir, from, land);
  if (!end.ok() && failure.ok()) failure = end.error();
  SpoolPosition landed_to;
  {
    std::lock_guard lock(mu_);
    landed_to = stats_.landed_to;
  }
  if (landed_to != saved) {
    Status s = SaveMarker(landed_to);
    if (!s.ok() && failure.ok()) failure = s.WithContext("save landed marker");
  }
  std::lock_guard lock(mu_);
  stats_.passes++;
  stats_.last_pass_unix_ms = NowMs();
  if (!failure.ok()) {
    stats_.failed_passes++;
    stats_.last_error = failure.ToString();
  } else {
    stats_.last_error.clear();
  }
  return failure;
}

void Lander::Start() {
  thread_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!stop_) {
      lock.unlock();
      Status s = RunPass();
      if (!s.ok())
        lm::log::Warn("landing: {}; retrying in {} ms", s.ToString(), options_.interval_ms);
      lock.lock();
      cv_.wait_for(lock, std::chrono::milliseconds(options_.interval_ms), [&] { return stop_; });
    }
  });
}

void Lander::Stop() {
  stopping_.store(true);
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

LanderStats Lander::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

}  // namespace lm::collector
