#include "protocol/batch.h"

namespace lm::protocol {

std::string_view SeverityName(Severity s) {
  switch (s) {
    case Severity::kUnspecified:
      return "unspecified";
    case Severity::kTrace:
      return "trace";
    case Severity::kDebug:
      return "debug";
    case Severity::kInfo:
      return "info";
    case Severity::kWarn:
      return "warn";
    case Severity::kError:
      return "error";
    case Severity::kFatal:
      return "fatal";
  }
  return "unspecified";
}

std::string_view AlertStateName(AlertState s) {
  switch (s) {
    case AlertState::kFiring:
      return "firing";
    case AlertState::kResolved:
      return "resolved";
    case AlertState::kPending:
      return "pending";
  }
  return "firing";
}

std::string_view MetricKindName(MetricKind k) {
  switch (k) {
    case MetricKind::kGauge:
      return "gauge";
    case MetricKind::kCounter:
      return "counter";
    case MetricKind::kHistogram:
      return "histogram";
  }
  return "gauge";
}

}  // namespace lm::protocol
