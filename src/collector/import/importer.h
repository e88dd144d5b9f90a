// Backfill import: `lm-collector import openmetrics FILE` reads an OpenMetrics file and
// sends its samples to a running collector's ingest endpoint as ordinary batches of an
// import identity, so limits, deduplication, the spool, landing and restarts behave
// exactly as for agents.
//
// Identity: agent_id as given (it needs an [[ingest.agents]] entry and token like any
// agent), boot_id "import-<first 24 hex digits of the file's SHA-256>", sequence numbers
// 1, 2, ... in file order. Batches are built deterministically from the file, so importing
// the same file again is answered "duplicate" batch by batch and doubles nothing.
//
// Batching: consecutive samples are grouped per series; a batch closes when it reaches the
// collector's max_series_per_batch (read from GET /ingest/v1/limits), a series its
// max_samples_per_series, or the batch max_samples samples. Metric kinds come from # TYPE:
// counter, histogram and summary _sum/_count/_bucket/_total samples are counters, the rest
// gauges.
//
// Transport: HTTPS with the CA file given and the bearer token; 503 and transport errors
// are retried (Retry-After honoured, at most 60 s per wait; 20 attempts per batch); other
// refusals end the import with the collector's reason.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "common/result.h"

namespace lm::collector {

struct ImportProgress {
  uint64_t lines = 0;
  uint64_t samples = 0;
  uint64_t series = 0;  // series appearances summed over batches
  uint64_t batches = 0;
  uint64_t accepted = 0;
  uint64_t duplicates = 0;
};

struct ImportOptions {
  std::string url;  // the ingest endpoint, https://host:port/ingest/v1/batch
  std::string ca_file;
  std::string token;
  std::string agent_id;
  uint32_t max_samples = 20000;                         // per batch
  std::function<void(const ImportProgress&)> progress;  // after each batch
};

// Imports `path`. InvalidArgument (with the line) for a malformed file; the collector's
// refusal (its reason) or Unavailable when it cannot be reached after the retries.
Result<ImportProgress> ImportOpenMetrics(const std::string& path, const ImportOptions& options);

}  // namespace lm::collector
