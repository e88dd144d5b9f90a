// lm-agent benchmark, side by side with Debian's prometheus-node-exporter in the same run:
//   * memory: peak resident set while collecting every interval;
//   * CPU per collection cycle over --cycles cycles: for lm-agent one scrape of every
//     collector + framing + durable queueing + HTTPS upload to a real lm-collector; for
//     node_exporter one scrape of /metrics (default collectors, and a second run limited
//     to the collectors that overlap with the agent's metric set);
//   * log tail throughput: MiB/s of a pre-written log file from the file to batches
//     acknowledged by a real lm-collector (all lines counted in its spool).
// Prints a Markdown report on stdout. Usage:
//   agent_bench [--cycles N] [--interval-ms MS] [--tail-mib MIB] [--node-exporter PATH]
//               [--only cycles|tail]
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "bench/proc_usage.h"
#include "bench/spool_follower.h"
#include "tests/common/free_port.h"
#include "tests/common/local_install.h"

namespace lm::bench {
namespace {

using Clock = std::chrono::steady_clock;
using testing::HttpDo;
using testing::HttpRequest;
using testing::LocalInstall;
using testing::Process;

struct Options {
  int cycles = 200;
  int interval_ms = 100;
  uint64_t tail_mib = 256;
  std::string node_exporter = "/usr/bin/prometheus-node-exporter";
  bool cycles_part = true;
  bool tail_part = true;
};

// Thrown to abandon the run; unwinding stops every process the benchmark started.
struct BenchError {
  std::string why;
};

[[noreturn]] void Die(const std::string& why) { throw BenchError{why}; }

int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct CycleResult {
  std::string name;
  int cycles = 0;
  double cpu_ms_per_cycle = 0;
  uint64_t peak_rss_kib = 0;
  uint64_t series = 0;  // per scrape
};

// lm-agent --daemon at interval_ms against a real collector, without log inputs.
CycleResult MeasureAgent(const Options& o) {
  LocalInstall install;
  if (!install.tls_ok()) Die("scripts/gen-tls failed");
  install.SetAgentExtra(fmt::format("interval_ms = {}\nlog_level = \"warn\"", o.interval_ms), "");
  if (std::string e = install.StartCollector(); !e.empty()) Die(e);
  Process agent;
  if (!agent.Start({install.Bin("lm-agent"), "--daemon", "--config", install.Path("agent.toml")},
                   install.Path("agent.log"))) {
    Die("cannot start lm-agent");
  }
  SpoolFollower spool(install.Path("state/spool"));
  RssPeak rss(agent.pid());
  auto wait_batches = [&](uint64_t n) {
    auto deadline = Clock::now() + std::chrono::milliseconds(o.interval_ms) * (n + 50) * 3;
    while (spool.batches() < n) {
      if (!agent.running() || Clock::now() > deadline) Die("agent stalled:\n" + agent.Log());
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      rss.Sample();
      if (!spool.Poll()) Die(spool.error());
    }
  };
  wait_batches(3);  // past start-up: TLS session, limits check, first scrape
  const uint64_t b0 = spool.batches();
  const uint64_t cpu0 = CpuNanos(agent.pid());
  wait_batches(b0 + static_cast<uint64_t>(o.cycles));
  const uint64_t cpu1 = CpuNanos(agent.pid());
  CycleResult r;
  r.name = "lm-agent";
  r.cycles = static_cast<int>(spool.batches() - b0);
  r.cpu_ms_per_cycle = static_cast<double>(cpu1 - cpu0) / 1e6 / r.cycles;
  r.peak_rss_kib = rss.PeakKib();
  r.series = spool.last_series();
  agent.Signal(SIGTERM);
  if (agent.Wait() != 0) Die("lm-agent did not exit cleanly:\n" + agent.Log());
  install.StopCollector();
  return r;
}

int FreePort() {
  const int port = testing::FreeLoopbackPort();
  if (port == 0) Die("cannot find a free port");
  return port;
}

uint64_t CountSeries(const std::string& exposition) {
  uint64_t n = 0;
  size_t at = 0;
  while (at < exposition.size()) {
    size_t nl = exposition.find('\n', at);
    if (nl == std::string::npos) nl = exposition.size();
    if (nl > at && exposition[at] != '#') ++n;
    at = nl + 1;
  }
  return n;
}

// node_exporter scraped every interval_ms, `cycles` times, like a Prometheus server would.
CycleResult MeasureNodeExporter(const Options& o, const std::string& name,
                                const std::vector<std::string>& extra_args) {
  TempDir dir;
  const int port = FreePort();
  std::vector<std::string> argv = {o.node_exporter,
                                   fmt::format("--web.listen-address=127.0.0.1:{}", port)};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  Process exporter;
  if (!exporter.Start(argv, dir.Path("node_exporter.log"))) Die("cannot start " + o.node_exporter);
  HttpRequest scrape;
  scrape.url = fmt::format("http://127.0.0.1:{}/metrics", port);
  auto deadline = Clock::now() + std::chrono::seconds(20);
  while (HttpDo(scrape).status != 200) {
    if (!exporter.running() || Clock::now() > deadline) {
      Die("node_exporter did not start:\n" + exporter.Log());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  RssPeak rss(exporter.pid());
  CycleResult r;
  r.name = name;
  auto one = [&] {
    testing::HttpResult res = HttpDo(scrape);
    if (res.status != 200) Die("scrape failed: " + res.error);
    r.series = CountSeries(res.body);
  };
  for (int i = 0; i < 3; ++i) one();
  const uint64_t cpu0 = CpuNanos(exporter.pid());
  auto next = Clock::now();
  for (int i = 0; i < o.cycles; ++i) {
    one();
    rss.Sample();
    next += std::chrono::milliseconds(o.interval_ms);
    while (Clock::now() < next) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      rss.Sample();
    }
  }
  const uint64_t cpu1 = CpuNanos(exporter.pid());
  r.cycles = o.cycles;
  r.cpu_ms_per_cycle = static_cast<double>(cpu1 - cpu0) / 1e6 / o.cycles;
  r.peak_rss_kib = rss.PeakKib();
  exporter.Signal(SIGTERM);
  exporter.Wait();
  return r;
}

struct TailResult {
  std::string name;
  uint64_t lines = 0;
  uint64_t bytes = 0;
  double seconds = 0;
  double mib_per_s = 0;
  uint64_t batches = 0;
  uint64_t peak_rss_kib = 0;
  double agent_cpu_s = 0;
  double collector_cpu_s = 0;
};

// Writes about `mib` MiB of realistic log lines; returns (lines, bytes).
std::pair<uint64_t, uint64_t> WriteLog(const std::string& path, uint64_t mib) {
  std::ofstream out(path, std::ios::binary);
  const char* levels[] = {"INFO", "WARN", "DEBUG", "ERROR"};
  const char* paths[] = {"/api/v1/orders", "/healthz", "/api/v1/users/42", "/static/app.js"};
  std::string chunk;
  uint64_t lines = 0;
  uint64_t bytes = 0;
  const uint64_t target = mib << 20;
  while (bytes < target) {
    chunk.clear();
    for (int i = 0; i < 4096 && bytes + chunk.size() < target; ++i, ++lines) {
      chunk += fmt::format(
          "2026-12-04T06:{:02}:{:02}.{:03}Z {} api-7f9c request_id={:016x} method=GET path={} "
          "status={} duration_ms={} bytes={} line={}\n",
          (lines / 60000) % 60, (lines / 1000) % 60, lines % 1000, levels[lines % 4],
          lines * 0x9e3779b97f4a7c15ull, paths[(lines / 3) % 4], 200 + (lines % 7 == 0) * 300,
          lines % 250, (lines * 37) % 100000, lines);
    }
    out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    bytes += chunk.size();
  }
  out.flush();
  if (!out) Die("cannot write " + path);
  return {lines, bytes};
}

// lm-agent tails a file written beforehand until every line is in the collector's spool.
TailResult MeasureTail(const Options& o, const std::string& name, uint32_t logs_per_batch) {
  LocalInstall install;
  if (!install.tls_ok()) Die("scripts/gen-tls failed");
  install.SetIngestExtra(fmt::format("max_logs_per_batch = {}", std::max(logs_per_batch, 1024u)));
  const std::string log = install.Path("app.log");
  auto [lines, bytes] = WriteLog(log, o.tail_mib);
  install.SetAgentExtra("interval_ms = 60000\nlog_interval_ms = 10\nlog_level = \"warn\"",
                        fmt::format("[limits]\nmax_logs_per_batch = {}\n[[log_inputs]]\n"
                                    "name = \"app\"\npath = \"{}\"\n",
                                    logs_per_batch, log));
  if (std::string e = install.StartCollector(); !e.empty()) Die(e);
  SpoolFollower spool(install.Path("state/spool"));
  spool.CountLogsOf("app");
  Process agent;
  const int64_t start_ms = WallMs();
  if (!agent.Start({install.Bin("lm-agent"), "--daemon", "--config", install.Path("agent.toml")},
                   install.Path("agent.log"))) {
    Die("cannot start lm-agent");
  }
  RssPeak rss(agent.pid());
  auto deadline = Clock::now() + std::chrono::minutes(10);
  while (spool.logs() < lines) {
    if (!agent.running() || Clock::now() > deadline) Die("agent stalled:\n" + agent.Log());
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    rss.Sample();
    if (!spool.Poll()) Die(spool.error());
  }
  TailResult r;
  r.name = name;
  r.lines = lines;
  r.bytes = bytes;
  r.seconds = static_cast<double>(spool.last_accepted_ms() - start_ms) / 1000.0;
  r.mib_per_s = static_cast<double>(bytes) / (1 << 20) / r.seconds;
  r.batches = spool.batches();
  r.peak_rss_kib = rss.PeakKib();
  r.agent_cpu_s = static_cast<double>(CpuNanos(agent.pid())) / 1e9;
  r.collector_cpu_s = static_cast<double>(CpuNanos(install.collector()->pid())) / 1e9;
  if (spool.logs() != lines || spool.log_bytes() != bytes) {
    Die(fmt::format("accepted {} lines / {} bytes, wrote {} / {}", spool.logs(), spool.log_bytes(),
                    lines, bytes));
  }
  agent.Signal(SIGTERM);
  agent.Wait();
  install.StopCollector();
  return r;
}

// Reading the same file with read(2) from the page cache, for scale.
double RawReadMibPerS(uint64_t mib) {
  TempDir dir;
  const std::string path = dir.Path("raw.log");
  auto [lines, bytes] = WriteLog(path, mib);
  std::vector<char> buf(1 << 20);
  auto t0 = Clock::now();
  std::ifstream in(path, std::ios::binary);
  while (in.read(buf.data(), static_cast<std::streamsize>(buf.size())) || in.gcount() > 0) {
  }
  double s = std::chrono::duration<double>(Clock::now() - t0).count();
  return static_cast<double>(bytes) / (1 << 20) / s;
}

double Mib(uint64_t kib) { return static_cast<double>(kib) / 1024.0; }

Options ParseArgs(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Die("missing value for " + a);
      return argv[++i];
    };
    if (a == "--cycles") {
      o.cycles = std::atoi(value().c_str());
    } else if (a == "--interval-ms") {
      o.interval_ms = std::atoi(value().c_str());
    } else if (a == "--tail-mib") {
      o.tail_mib = std::strtoull(value().c_str(), nullptr, 10);
    } else if (a == "--node-exporter") {
      o.node_exporter = value();
    } else if (a == "--only") {
      const std::string part = value();
      if (part != "cycles" && part != "tail") Die("--only takes cycles or tail");
      o.cycles_part = part == "cycles";
      o.tail_part = part == "tail";
    } else {
      Die("unknown argument " + a);
    }
  }
  if (o.cycles < 100) Die("--cycles must be at least 100");
  if (o.interval_ms < 100) Die("--interval-ms must be at least 100 (the agent's minimum)");
  if (o.tail_mib < 1) Die("--tail-mib must be at least 1");
  return o;
}

void ReportCycles(const Options& o) {
  std::vector<CycleResult> cycles;
  cycles.push_back(MeasureAgent(o));
  cycles.push_back(MeasureNodeExporter(o, "node_exporter (default collectors)", {}));
  cycles.push_back(
      MeasureNodeExporter(o, "node_exporter (cpu, meminfo, loadavg, netdev, filesystem)",
                          {"--collector.disable-defaults", "--collector.cpu", "--collector.meminfo",
                           "--collector.loadavg", "--collector.netdev", "--collector.filesystem"}));

  std::printf("## Agent collection cycle (%d cycles every %d ms)\n\n", o.cycles, o.interval_ms);
  std::printf("| process | series per cycle | CPU ms per cycle | peak RSS MiB |\n");
  std::printf("| --- | ---: | ---: | ---: |\n");
  for (const CycleResult& c : cycles) {
    std::printf("| %s | %llu | %.3f | %.1f |\n", c.name.c_str(),
                static_cast<unsigned long long>(c.series), c.cpu_ms_per_cycle, Mib(c.peak_rss_kib));
  }
  std::printf("\n| ratio lm-agent / peer | CPU per cycle | peak RSS |\n| --- | ---: | ---: |\n");
  for (size_t i = 1; i < cycles.size(); ++i) {
    std::printf(
        "| vs %s | %.3f | %.3f |\n", cycles[i].name.c_str(),
        cycles[0].cpu_ms_per_cycle / cycles[i].cpu_ms_per_cycle,
        static_cast<double>(cycles[0].peak_rss_kib) / static_cast<double>(cycles[i].peak_rss_kib));
  }
}

void ReportTail(const Options& o) {
  std::vector<TailResult> tails;
  tails.push_back(MeasureTail(o, "default limits (256 lines per batch)", 256));
  tails.push_back(MeasureTail(o, "max_logs_per_batch = 8192", 8192));
  const double raw = RawReadMibPerS(o.tail_mib);
  std::printf("\n## Log tail, file to acknowledged upload (%llu MiB)\n\n",
              static_cast<unsigned long long>(o.tail_mib));
  std::printf(
      "| agent config | lines | batches | seconds | MiB/s | agent CPU s | collector CPU s | agent "
      "peak RSS MiB |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
  for (const TailResult& t : tails) {
    std::printf("| %s | %llu | %llu | %.2f | %.1f | %.2f | %.2f | %.1f |\n", t.name.c_str(),
                static_cast<unsigned long long>(t.lines),
                static_cast<unsigned long long>(t.batches), t.seconds, t.mib_per_s, t.agent_cpu_s,
                t.collector_cpu_s, Mib(t.peak_rss_kib));
  }
  std::printf("\nReading the same file from the page cache with read(2): %.0f MiB/s.\n", raw);
}

int Run(const Options& o) {
  if (o.cycles_part) ReportCycles(o);
  if (o.tail_part) ReportTail(o);
  return 0;
}

}  // namespace
}  // namespace lm::bench

int main(int argc, char** argv) {
  using namespace lm::bench;
  try {
    return Run(ParseArgs(argc, argv));
  } catch (const BenchError& e) {
    std::fprintf(stderr, "agent_bench: %s\n", e.why.c_str());
    return 1;
  }
}
