// Resource readings of a live process from /proc, for the benchmarks.
#pragma once

#include <dirent.h>
#include <sys/types.h>

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>

namespace lm::bench {

// CPU time the process's live threads have run, in nanoseconds: the sum of the first field
// of /proc/<pid>/task/<tid>/schedstat (nanosecond resolution). Threads that already exited
// are not counted, so callers measure processes whose threads live for the whole run.
// 0 when unreadable.
inline uint64_t CpuNanos(pid_t pid) {
  const std::string tasks = "/proc/" + std::to_string(pid) + "/task";
  uint64_t total = 0;
  DIR* d = ::opendir(tasks.c_str());
  if (d == nullptr) return 0;
  while (struct dirent* e = ::readdir(d)) {
    if (e->d_name[0] == '.') continue;
    std::ifstream in(tasks + "/" + e->d_name + "/schedstat");
    uint64_t ns = 0;
    if (in >> ns) total += ns;
  }
  ::closedir(d);
  return total;
}

// A "VmXxx:" field of /proc/<pid>/status in KiB (VmRSS: resident now; VmHWM: peak resident);
// 0 when unreadable.
inline uint64_t StatusKib(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) != 0) continue;
    std::istringstream rest(line.substr(field.size() + 1));
    uint64_t kib = 0;
    rest >> kib;
    return kib;
  }
  return 0;
}

// Tracks the largest VmRSS seen over repeated samples.
class RssPeak {
 public:
  explicit RssPeak(pid_t pid) : pid_(pid) {}
  void Sample() {
    uint64_t now = StatusKib(pid_, "VmRSS");
    if (now > max_kib_) max_kib_ = now;
  }
  uint64_t max_kib() const { return max_kib_; }
  // The kernel's own peak (VmHWM) or the sampled maximum, whichever is larger.
  uint64_t PeakKib() const {
    uint64_t hwm = StatusKib(pid_, "VmHWM");
    return hwm > max_kib_ ? hwm : max_kib_;
  }

 private:
  pid_t pid_;
  uint64_t max_kib_ = 0;
};

}  // namespace lm::bench
