// Process-wide logging: one line per event on stderr,
//   2026-12-04T06:13:01.286Z warn <message>
// with a global level. A small facade instead of a logging library keeps the static agent
// small; messages are formatted with fmt only when their level is enabled.
//
// Thread safety: every function may be called from any thread; each line is written with a
// single write(2), so lines from different threads never interleave.
#pragma once

#include <atomic>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "common/status.h"

namespace lm {

// Sets the global level from "trace|debug|info|warn|error|off" ("trace" is "debug"); may be
// called again to change it. InvalidArgument for an unknown level. Before any call the
// level is "info".
Status InitLogging(std::string_view level);

namespace log {

enum class Level : int { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3, kOff = 4 };

namespace internal {
extern std::atomic<int> g_level;
// Writes one formatted line for `level`; `message` must not end with a newline.
void Write(Level level, std::string_view message);
}  // namespace internal

inline bool Enabled(Level level) {
  return static_cast<int>(level) >= internal::g_level.load(std::memory_order_relaxed);
}

template <typename... Args>
void At(Level level, fmt::format_string<Args...> format, Args&&... args) {
  if (!Enabled(level)) return;
  internal::Write(level, fmt::format(format, std::forward<Args>(args)...));
}

template <typename... Args>
void Debug(fmt::format_string<Args...> format, Args&&... args) {
  At(Level::kDebug, format, std::forward<Args>(args)...);
}
template <typename... Args>
void Info(fmt::format_string<Args...> format, Args&&... args) {
  At(Level::kInfo, format, std::forward<Args>(args)...);
}
template <typename... Args>
void Warn(fmt::format_string<Args...> format, Args&&... args) {
  At(Level::kWarn, format, std::forward<Args>(args)...);
}
template <typename... Args>
void Error(fmt::format_string<Args...> format, Args&&... args) {
  At(Level::kError, format, std::forward<Args>(args)...);
}

}  // namespace log
}  // namespace lm
