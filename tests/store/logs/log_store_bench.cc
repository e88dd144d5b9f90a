// Micro benchmark of the log store: append speed, memory per line and search latency on
// generated lines, with a brute-force scan and (when installed) ripgrep over the same text
// for comparison. Not a test: prints numbers only.
//   log_store_bench [lines] [--rg] [vocabulary]
#include <sys/resource.h>

#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include <re2/re2.h>

#include "store/logs/log_store.h"
#include "store/logs/text_matcher.h"
#include "tests/store/logs/log_gen.h"

namespace lm::store::logs {
namespace {

// CPU time of this thread: the machine may be shared, so wall time would mislead.
struct Clock {
  using time_point = double;
  static double now() {
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
  }
};

double Seconds(double since) { return Clock::now() - since; }

struct Search {
  const char* label;
  TextSpec spec;
  const char* rg_args;  // ripgrep flags and pattern
};

int Main(int argc, char** argv) {
  const size_t lines = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1'000'000;
  const bool run_rg = argc > 2 && std::string(argv[2]) == "--rg";
  const size_t vocabulary = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 2000;
  testing::LogGen gen(42, vocabulary);
  LogStore store;
  std::vector<std::string> messages;
  messages.reserve(lines);
  const size_t kBatch = 1000;
  double append_s = 0;
  int64_t t = 1'700'000'000'000'000'000;
  std::string needle;
  for (size_t done = 0; done < lines; done += kBatch) {
    protocol::Batch b;
    b.identity = {"agent-" + std::to_string(done / kBatch % 8), "boot-1", done / kBatch,
                  done / kBatch};
    for (size_t i = 0; i < kBatch && done + i < lines; ++i) {
      t += 1'000'000 + static_cast<int64_t>(gen.Num(1'000'000));
      b.logs.push_back(gen.Record(t));
      messages.push_back(b.logs.back().message);
    }
    if (done == lines / 2) {
      b.logs[0].message = "unique needle 5f3c9a1e77 found in the haystack";
      messages[messages.size() - b.logs.size()] = b.logs[0].message;
    }
    auto start = Clock::now();
    store.AppendBatch(b);
    append_s += Seconds(start);
  }
  size_t message_bytes = 0;
  for (const auto& m : messages) message_bytes += m.size();
  const MemoryUsage mem = store.Memory();
  std::printf("lines %zu, message bytes %zu (avg %.1f)\n", lines, message_bytes,
              double(message_bytes) / lines);
  std::printf("append: %.3f s, %.0f ns/line, %.1f MB/s\n", append_s, append_s * 1e9 / lines,
              message_bytes / append_s / 1e6);
  std::printf(
      "memory: total %.1f MB; overhead per line %.1f B (columns %.1f, dictionaries %.1f, "
      "index %.1f)\n",
      mem.total() / 1e6, double(mem.total() - mem.message_bytes) / lines,
      double(mem.column_bytes) / lines, double(mem.dictionary_bytes) / lines,
      double(mem.index_bytes) / lines);

  std::string path = "/tmp/log_store_bench.txt";
  if (run_rg) {
    std::ofstream f(path);
    for (const auto& m : messages) f << m << '\n';
  }
  std::vector<Search> searches = {
      {"contains unique id", {{"5f3c9a1e77"}, {}, {}, false}, "-F 5f3c9a1e77"},
      {"contains rare word", {{"needle"}, {}, {}, false}, "-F needle"},
      {"contains common", {{"declined"}, {}, {}, false}, "-F declined"},
      {"icontains ÉCHEC", {{}, {"échec"}, {}, false}, "-i -F échec"},
      {"icontains id", {{}, {"5F3C9A1E77"}, {}, false}, "-i -F 5F3C9A1E77"},
      {"regex literal alt",
       {{}, {}, {"(needle|5f3c9a1e77) found"}, false},
       "(needle|5f3c9a1e77) found"},
      {"regex class",
       {{}, {}, {"payment [0-9a-f]{12} declined"}, false},
       "payment [0-9a-f]{12} declined"},
      {"regex no literal", {{}, {}, {"[0-9]{7}ms"}, false}, "[0-9]{7}ms"},
      {"no match", {{"zzzzqqqq"}, {}, {}, false}, "-F zzzzqqqq"},
  };
  for (const Search& s : searches) {
    auto m = TextMatcher::Compile(s.spec);
    if (!m.ok()) {
      std::printf("%s: %s\n", s.label, m.error().message().c_str());
      continue;
    }
    RecordQuery q;
    q.filter.text = *m;
    q.limit = 100;
    double best = 1e9;
    size_t n = 0;
    for (int rep = 0; rep < 5; ++rep) {
      auto start = Clock::now();
      RecordPage page = store.Query(q);
      best = std::min(best, Seconds(start));
      n = page.records.size();
    }
    auto start = Clock::now();
    size_t scan_hits = 0;
    for (const auto& msg : messages) scan_hits += (*m)->Matches(msg) ? 1 : 0;
    const double scan = Seconds(start);
    std::printf("%-20s page %3zu in %8.3f ms | full scan %8.1f ms (%zu hits)", s.label, n,
                best * 1e3, scan * 1e3, scan_hits);
    if (run_rg) {
      std::string cmd =
          std::string("rg -c ") + "'" + s.rg_args + "'" + " " + path + " > /dev/null 2>&1";
      // rg takes flags and pattern unquoted; split on the first space for flags.
      std::string args = s.rg_args;
      cmd = "rg -c " + args.substr(0, args.rfind(' ') + 1) + "'" +
            args.substr(args.rfind(' ') + 1) + "' " + path + " > /dev/null 2>&1";
      if (args.find(' ') == std::string::npos || args[0] != '-') {
        cmd = "rg -c '" + args + "' " + path + " > /dev/null 2>&1";
      }
      // ripgrep's CPU time (all its threads) and wall time, best of three.
      double rg_cpu = 1e9, rg_wall = 1e9;
      for (int rep = 0; rep < 3; ++rep) {
        struct rusage before, after;
        getrusage(RUSAGE_CHILDREN, &before);
        auto ws = std::chrono::steady_clock::now();
        if (std::system(cmd.c_str()) < 0) break;
        rg_wall = std::min(
            rg_wall, std::chrono::duration<double>(std::chrono::steady_clock::now() - ws).count());
        getrusage(RUSAGE_CHILDREN, &after);
        auto cpu = [](const struct rusage& r) {
          return r.ru_utime.tv_sec + r.ru_stime.tv_sec +
                 (r.ru_utime.tv_usec + r.ru_stime.tv_usec) * 1e-6;
        };
        rg_cpu = std::min(rg_cpu, cpu(after) - cpu(before));
      }
      std::printf(" | rg cpu %6.1f ms wall %6.1f ms", rg_cpu * 1e3, rg_wall * 1e3);
    }
    std::printf("\n");
  }
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  std::printf("max rss %.1f MB\n", ru.ru_maxrss / 1e3);
  if (run_rg) std::remove(path.c_str());
  return 0;
}

}  // namespace
}  // namespace lm::store::logs

int main(int argc, char** argv) { return lm::store::logs::Main(argc, argv); }
