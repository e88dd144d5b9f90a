#include "common/logging.h"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <ctime>
#include <string>

namespace lm {
namespace log::internal {

std::atomic<int> g_level{static_cast<int>(Level::kInfo)};

namespace {

std::string_view LevelName(Level level) {
  switch (level) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
    case Level::kOff:
      break;
  }
  return "off";
}

}  // namespace

void Write(Level level, std::string_view message) {
  using std::chrono::system_clock;
  const auto now = system_clock::now();
  const std::time_t secs = system_clock::to_time_t(now);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc;
  gmtime_r(&secs, &utc);
  fmt::memory_buffer line;
  fmt::format_to(std::back_inserter(line), "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z {} {}\n",
                 utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min,
                 utc.tm_sec, millis, LevelName(level), message);
  const char* p = line.data();
  size_t left = line.size();
  while (left > 0) {
    ssize_t n = ::write(STDERR_FILENO, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // stderr is gone: nothing better to do with a log line
    p += n;
    left -= static_cast<size_t>(n);
  }
}

}  // namespace log::internal

Status InitLogging(std::string_view level) {
  log::Level parsed;
  if (level == "trace" || level == "debug") {
    parsed = log::Level::kDebug;
  } else if (level == "info") {
    parsed = log::Level::kInfo;
  } else if (level == "warn" || level == "warning") {
    parsed = log::Level::kWarn;
  } else if (level == "error" || level == "err") {
    parsed = log::Level::kError;
  } else if (level == "off") {
    parsed = log::Level::kOff;
  } else {
    return InvalidArgument(fmt::format("unknown log level '{}'", level));
  }
  log::internal::g_level.store(static_cast<int>(parsed), std::memory_order_relaxed);
  return Status::Ok();
}

}  // namespace lm
