#include "store/logs/log_store.h"

#include <vector>

namespace lm::store::logs {

void LogStore::AppendBatch(const protocol::Batch& batch) {
  if (batch.logs.empty()) return;
  std::vector<RecordInput> in;
  in.reserve(batch.logs.size());
  for (const protocol::LogRecord& r : batch.logs) {
    RecordInput i;
    i.time_unix_nano = r.time_unix_nano;
    i.severity = r.severity;
    i.name = r.target;
    i.message = r.message;
    i.kvs = &r.attributes;
    in.push_back(i);
  }
  store_.Append(batch.identity, in.data(), in.size());
}

}  // namespace lm::store::logs
