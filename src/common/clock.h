// Wall-clock helpers. Thread safe.
#pragma once

#include <chrono>
#include <cstdint>

namespace lm {

inline int64_t NowUnixNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

inline int64_t NowUnixMillis() { return NowUnixNanos() / 1'000'000; }

}  // namespace lm
