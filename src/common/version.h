// The Lightmetrics release version, shared by both binaries.
#pragma once

#include <string_view>

namespace lm {

inline constexpr std::string_view kVersion = "0.1.0";

// The Prometheus HTTP API level the private listener implements; reported as "version" by
// /api/v1/status/buildinfo so that clients (Grafana) enable the matching features.
inline constexpr std::string_view kPrometheusApiVersion = "3.0.0";

}  // namespace lm
