// The collector interface: one source of telemetry that contributes series, log records and
// alerts to each scrape. The agent loop runs every registered collector once per scrape, in
// registration order, and turns the combined Scrape into one batch; adding a source means
// adding a Collector (see default_collectors.h), never changing the loop.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "protocol/batch.h"

namespace lm::agent {

// What every collector sees for one scrape.
struct ScrapeContext {
  int64_t now_unix_nano = 0;  // the sample time of every point in this scrape
};

// The records produced by one scrape. Collectors append; they never remove what an earlier
// collector added.
struct Scrape {
  std::vector<protocol::MetricSeries> series;
  std::vector<protocol::LogRecord> logs;
  std::vector<protocol::AlertRecord> alerts;
};

// Implementations are not required to be thread safe: the agent calls one collector at a
// time from one thread.
class Collector {
 public:
  virtual ~Collector() = default;

  // A short stable name for logs, e.g. "host_metrics".
  virtual std::string_view Name() const = 0;

  // Appends this scrape's records to `out`. Host telemetry is best effort: a source that
  // cannot be read or parsed is logged as a warning and its records are omitted, and Ok is
  // returned. A non-ok Status means the scrape as a whole must not be queued (reserved for
  // sources whose progress depends on the batch being queued, such as log offsets).
  virtual Status Collect(const ScrapeContext& ctx, Scrape* out) = 0;
};

using CollectorPtr = std::unique_ptr<Collector>;

}  // namespace lm::agent
