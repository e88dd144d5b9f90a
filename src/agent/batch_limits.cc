#include "agent/batch_limits.h"

namespace lm::agent {

std::string TruncateUtf8(std::string s, size_t max_bytes) {
  if (s.size() <= max_bytes) return s;
  size_t cut = max_bytes;
  // Back up over continuation bytes (10xxxxxx) so that the lead byte is cut too.
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  s.resize(cut);
  return s;
}

LimitReport EnforceAgentLimits(const config::AgentLimits& limits, Scrape* scrape) {
  LimitReport report;
  if (scrape->logs.size() > limits.max_logs_per_batch) {
    report.logs_dropped = scrape->logs.size() - limits.max_logs_per_batch;
    scrape->logs.resize(limits.max_logs_per_batch);
  }
  for (protocol::LogRecord& log : scrape->logs) {
    if (log.message.size() > limits.max_log_message_bytes) {
      log.message = TruncateUtf8(std::move(log.message), limits.max_log_message_bytes);
      ++report.messages_truncated;
    }
  }
  if (scrape->alerts.size() > limits.max_alerts_per_batch) {
    report.alerts_dropped = scrape->alerts.size() - limits.max_alerts_per_batch;
    scrape->alerts.resize(limits.max_alerts_per_batch);
  }
  return report;
}

}  // namespace lm::agent
