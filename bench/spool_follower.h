// Follows a running collector's spool as it grows: each call to Poll decodes only the
// records appended since the previous one. For benchmarks that need to know when data
// was acknowledged (a record is in the spool before the agent gets its ack).
#pragma once

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "collector/spool/spool_format.h"
#include "common/file_util.h"
#include "protocol/batch_codec.h"

namespace lm::bench {

class SpoolFollower {
 public:
  explicit SpoolFollower(std::string dir) : dir_(std::move(dir)) {}

  // Reads the new complete records; false when a file cannot be read or a frame does not
  // decode (`error()` says which).
  bool Poll() {
    auto names = ListDir(dir_);
    if (!names.ok()) return Fail(names.error().ToString());
    std::vector<std::string> segments = *names;
    std::sort(segments.begin(), segments.end());
    for (const std::string& name : segments) {
      if (!name.ends_with(".seg")) continue;
      uint64_t& done = offsets_[name];
      std::string fresh;
      if (!ReadFrom(JoinPath(dir_, name), done, &fresh)) return false;
      if (fresh.empty()) continue;
      bool ok = true;
      collector::SegmentScan scan =
          collector::ScanSegment(fresh, [&](int64_t accepted_ms, std::string_view frame) {
            protocol::DecodeLimits limits;
            limits.max_frame_bytes = 1ull << 30;
            limits.max_logs_per_batch = 1u << 30;
            auto batch = protocol::DecodeBatchFrame(frame, limits);
            if (!batch.ok()) {
              ok = false;
              error_ = batch.error().ToString();
              return;
            }
            ++batches_;
            last_accepted_ms_ = accepted_ms;
            last_series_ = batch->series.size();
            for (const auto& log : batch->logs) {
              if (log.target != log_target_) continue;
              ++logs_;
              log_bytes_ += log.message.size() + 1;
            }
          });
      if (!ok) return false;
      done += scan.valid_bytes;
    }
    return true;
  }

  // Log records of this target are counted (default: none).
  void CountLogsOf(std::string target) { log_target_ = std::move(target); }

  uint64_t batches() const { return batches_; }
  uint64_t logs() const { return logs_; }
  uint64_t log_bytes() const { return log_bytes_; }  // message bytes + one newline each
  int64_t last_accepted_ms() const { return last_accepted_ms_; }
  uint64_t last_series() const { return last_series_; }  // metric series of the newest batch
  const std::string& error() const { return error_; }

 private:
  // The bytes of `path` from `offset` to its current end.
  bool ReadFrom(const std::string& path, uint64_t offset, std::string* out) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Fail("cannot open " + path);
    in.seekg(0, std::ios::end);
    const auto end = static_cast<uint64_t>(in.tellg());
    if (end <= offset) return true;
    out->resize(end - offset);
    in.seekg(static_cast<std::streamoff>(offset));
    in.read(out->data(), static_cast<std::streamsize>(out->size()));
    if (!in) return Fail("cannot read " + path);
    return true;
  }

  bool Fail(std::string e) {
    error_ = std::move(e);
    return false;
  }

  std::string dir_;
  std::string log_target_ = "\n";
  std::map<std::string, uint64_t> offsets_;
  uint64_t batches_ = 0;
  uint64_t logs_ = 0;
  uint64_t log_bytes_ = 0;
  int64_t last_accepted_ms_ = 0;
  uint64_t last_series_ = 0;
  std::string error_;
};

}  // namespace lm::bench
