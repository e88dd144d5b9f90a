// The lm-collector process as a library: wires the spool, acceptance, the query cache and
// both listeners from a validated configuration. Used by main.cc and by tests.
// Thread safe: Start/Stop from the owning thread; everything else runs on server threads.
#pragma once

#include <cstdint>
#include <memory>

#include "common/result.h"
#include "config/collector_config.h"

namespace lm::collector {

class Collector {
 public:
  virtual ~Collector() = default;
  // Starts both listeners.
  virtual void Start() = 0;
  // Stops the listeners, completes pending spool writes and closes the spool. Idempotent.
  virtual void Stop() = 0;
  virtual uint16_t ingest_port() const = 0;
  virtual uint16_t query_port() const = 0;
};

// Reads secrets, opens the spool (replaying it into the query cache) and binds both
// listeners. Errors name what failed: an unreadable secret, an unsupported configuration
// (object stores and s3_manifest are not implemented yet), a spool I/O error, a port in use.
Result<std::unique_ptr<Collector>> CreateCollector(const config::CollectorConfig& config);

}  // namespace lm::collector
