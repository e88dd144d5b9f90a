// Reads what a test collector accepted, straight from its spool: the log records of every
// distinct batch identity, for tests that count lines end to end.
#pragma once

#include <map>
#include <set>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "collector/spool/spool.h"
#include "protocol/batch_codec.h"

namespace lm::testing {

struct AcceptedLogs {
  // message -> number of distinct accepted batches that carry it, per log target
  std::map<std::string, std::map<std::string, int>> by_target;
  uint64_t batches = 0;

  int Count(const std::string& target, const std::string& message) const {
    auto t = by_target.find(target);
    if (t == by_target.end()) return 0;
    auto m = t->second.find(message);
    return m == t->second.end() ? 0 : m->second;
  }
  size_t Distinct(const std::string& target) const {
    auto t = by_target.find(target);
    return t == by_target.end() ? 0 : t->second.size();
  }
};

// Scans the spool in `spool_dir` (safe while the collector appends). A batch identity seen
// twice is counted once; a frame that does not decode fails the test.
inline AcceptedLogs ReadAcceptedLogs(const std::string& spool_dir) {
  AcceptedLogs out;
  std::set<std::string> identities;
  Status s = collector::ScanSpool(spool_dir, [&](int64_t, std::string_view frame) {
    auto batch = protocol::DecodeBatchFrame(frame, protocol::DecodeLimits{});
    if (!batch.ok()) {
      ADD_FAILURE() << "spooled frame does not decode: " << batch.error().ToString();
      return;
    }
    const auto& id = batch->identity;
    if (!identities
             .insert(fmt::format("{}/{}/{}-{}", id.agent_id, id.boot_id, id.seq_start, id.seq_end))
             .second) {
      return;
    }
    ++out.batches;
    for (const auto& log : batch->logs) out.by_target[log.target][log.message]++;
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

}  // namespace lm::testing
