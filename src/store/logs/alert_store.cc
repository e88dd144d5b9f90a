#include "store/logs/alert_store.h"

#include <vector>

namespace lm::store::logs {

void AlertStore::AppendBatch(const protocol::Batch& batch) {
  if (batch.alerts.empty()) return;
  std::vector<RecordInput> in;
  in.reserve(batch.alerts.size());
  for (const protocol::AlertRecord& r : batch.alerts) {
    RecordInput i;
    i.time_unix_nano = r.time_unix_nano;
    i.severity = r.severity;
    i.state = static_cast<uint8_t>(r.state);
    i.name = r.name;
    i.message = r.message;
    i.kvs = &r.labels;
    in.push_back(i);
  }
  store_.Append(batch.identity, in.data(), in.size());
}

}  // namespace lm::store::logs
