// Small valid batch frames for agent tests.
#pragma once

#include <string>

#include "protocol/batch.h"
#include "protocol/batch_codec.h"

namespace lm::agent {

inline protocol::BatchIdentity TestIdentity(const std::string& boot_id, uint64_t seq) {
  return protocol::BatchIdentity{"agent-a", boot_id, seq, seq};
}

// A frame holding `identity` and one gauge; `padding` bytes of help text grow the frame.
inline std::string TestFrame(const protocol::BatchIdentity& identity, size_t padding = 0) {
  protocol::Batch b;
  b.identity = identity;
  b.created_unix_nano = 1'700'000'000'000'000'000;
  protocol::MetricSeries up;
  up.name = "lmagent_up";
  up.samples = {{1'700'000'000'000'000'000, 1.0}};
  up.help = std::string(padding, 'h');
  b.series.push_back(up);
  return protocol::EncodeBatchFrame(b);
}

}  // namespace lm::agent
