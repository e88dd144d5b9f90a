// Turns an accepted batch's metric series into cache samples. Thread safe.
#pragma once

#include "protocol/batch.h"
#include "store/appender.h"

namespace lm::store {

// Appends every sample of `batch` to `appender`. Each series gets the label
// agent_id=<batch agent id> (a series' own agent_id label is kept as exported_agent_id).
// Histogram series become classic virtual series: <name>_bucket{le="..."} per bucket,
// <name>_sum and <name>_count. Timestamps are converted from ns to ms.
void IngestBatchMetrics(const protocol::Batch& batch, Appender* appender);

}  // namespace lm::store
