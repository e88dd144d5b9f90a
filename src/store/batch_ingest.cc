#include "store/batch_ingest.h"

#include "common/float_format.h"

namespace lm::store {
namespace {

constexpr std::string_view kAgentIdLabel = "agent_id";

std::vector<Label> BaseLabels(const protocol::MetricSeries& s, const std::string& agent_id) {
  std::vector<Label> out;
  out.reserve(s.labels.size() + 3);
  for (const auto& l : s.labels) {
    if (l.key == kAgentIdLabel) {
      out.push_back(Label{"exported_agent_id", l.value});
    } else {
      out.push_back(Label{l.key, l.value});
    }
  }
  out.push_back(Label{std::string(kAgentIdLabel), agent_id});
  return out;
}

Labels WithName(std::vector<Label> base, std::string name) {
  base.push_back(Label{std::string(kMetricNameLabel), std::move(name)});
  return Labels(std::move(base));
}

}  // namespace

void IngestBatchMetrics(const protocol::Batch& batch, Appender* appender) {
  const std::string& agent = batch.identity.agent_id;
  std::vector<int64_t> ts;
  std::vector<double> vs;
  for (const protocol::MetricSeries& s : batch.series) {
    std::vector<Label> base = BaseLabels(s, agent);
    if (s.kind != protocol::MetricKind::kHistogram) {
      Labels labels = WithName(std::move(base), s.name);
      ts.clear();
      vs.clear();
      for (const auto& sm : s.samples) {
        ts.push_back(sm.time_unix_nano / 1'000'000);
        vs.push_back(sm.value);
      }
      appender->AppendMany(labels, ts.data(), vs.data(), ts.size());
      continue;
    }
    Labels sum = WithName(base, s.name + "_sum");
    Labels count = WithName(base, s.name + "_count");
    for (const auto& h : s.histogram_samples) {
      int64_t t = h.time_unix_nano / 1'000'000;
      appender->Append(sum, t, h.sum);
      appender->Append(count, t, static_cast<double>(h.count));
      for (const auto& b : h.buckets) {
        std::vector<Label> bl = base;
        bl.push_back(Label{"le", FormatFloatShort(b.upper_bound)});
        appender->Append(WithName(std::move(bl), s.name + "_bucket"), t,
                         static_cast<double>(b.count));
      }
    }
  }
}

}  // namespace lm::store
