// Ingest throughput benchmark: the same metric samples sent to lm-collector (HTTPS,
// acknowledged after the spool's fsync, local_spool mode) and to Debian's victoria-metrics
// (HTTPS, JSON line import, acknowledged once buffered in memory), in the same run, by the
// same number of keep-alive client connections. Reports samples per second of wall time and
// per CPU second of the server process (schedstat), and their ratio.
// Usage: ingest_bench [--agents N] [--batches-per-agent N] [--series N] [--samples N]
//                     [--connections N] [--victoria-metrics PATH]
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "bench/parallel_post.h"
#include "bench/proc_usage.h"
#include "protocol/batch_codec.h"
#include "tests/common/free_port.h"
#include "tests/common/local_install.h"

namespace lm::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct BenchError {
  std::string why;
};
[[noreturn]] void Die(const std::string& why) { throw BenchError{why}; }

struct Options {
  int agents = 50;
  int batches_per_agent = 40;
  int series = 100;
  int samples = 10;  // per series per batch
  int connections = 8;
  std::string victoria_metrics = "/usr/bin/victoria-metrics";
};

// One agent's batch: `series` gauges with `samples` points each.
protocol::Batch MakeBatch(const Options& o, int agent, int n, int64_t base_ns) {
  protocol::Batch b;
  b.identity = {fmt::format("agent-{:03}", agent), "bench-boot", static_cast<uint64_t>(n + 1),
                static_cast<uint64_t>(n + 1)};
  b.host.hostname = b.identity.agent_id;
  for (int s = 0; s < o.series; ++s) {
    protocol::MetricSeries m;
    m.name = "bench_metric";
    m.labels = {{"series", std::to_string(s)}, {"instance", b.identity.agent_id}};
    for (int i = 0; i < o.samples; ++i) {
      const int64_t t = base_ns + (static_cast<int64_t>(n) * o.samples + i) * 1'000'000'000;
      m.samples.push_back({t, static_cast<double>(s * 1000 + n * o.samples + i)});
    }
    b.series.push_back(std::move(m));
  }
  return b;
}

// The same batch as VictoriaMetrics JSON lines (one line per series).
std::string ToVmJson(const protocol::Batch& b) {
  std::string out;
  for (const protocol::MetricSeries& m : b.series) {
    out +=
        fmt::format(R"({{"metric":{{"__name__":"{}","agent_id":"{}")", m.name, b.identity.agent_id);
    for (const auto& l : m.labels) out += fmt::format(R"(,"{}":"{}")", l.key, l.value);
    out += R"(},"values":[)";
    for (size_t i = 0; i < m.samples.size(); ++i) {
      out += fmt::format("{}{}", i ? "," : "", m.samples[i].value);
    }
    out += R"(],"timestamps":[)";
    for (size_t i = 0; i < m.samples.size(); ++i) {
      out += fmt::format("{}{}", i ? "," : "", m.samples[i].time_unix_nano / 1'000'000);
    }
    out += "]}\n";
  }
  return out;
}

struct Result {
  std::string name;
  double seconds = 0;
  double server_cpu_s = 0;
  uint64_t samples = 0;
  uint64_t bytes = 0;
  double SamplesPerSecond() const { return samples / seconds; }
  double SamplesPerCpuSecond() const { return samples / server_cpu_s; }
};

Result RunLightmetrics(const Options& o, const std::vector<protocol::Batch>& batches) {
  testing::LocalInstall install;
  if (!install.tls_ok()) Die("scripts/gen-tls failed");
  std::string agents;
  for (int a = 0; a < o.agents; ++a) {
    const std::string id = fmt::format("agent-{:03}", a);
    testing::WriteText(install.Path("secrets/" + id + ".token"),
                       "token-for-" + id + "-0123456789\n", 0600);
    agents +=
        fmt::format("[[ingest.agents]]\nid = \"{}\"\ntoken_file = \"secrets/{}.token\"\n", id, id);
  }
  install.SetIngestExtra("max_series_per_batch = 4096");
  install.SetServerExtra("log_level = \"warn\"", agents);
  if (std::string e = install.StartCollector(); !e.empty()) Die(e);
  std::vector<PostRequest> reqs;
  Result r;
  r.name = "lm-collector (HTTPS, Cap'n Proto frame, fsync before ack)";
  for (const protocol::Batch& b : batches) {
    PostRequest q;
    q.body = protocol::EncodeBatchFrame(b);
    q.headers = {"Content-Type: application/x-capnp",
                 "Authorization: Bearer token-for-" + b.identity.agent_id + "-0123456789",
                 "X-Lightmetrics-Agent: " + b.identity.agent_id,
                 fmt::format("X-Lightmetrics-Seq-Start: {}", b.identity.seq_start),
                 fmt::format("X-Lightmetrics-Seq-End: {}", b.identity.seq_end)};
    r.bytes += q.body.size();
    for (const auto& s : b.series) r.samples += s.samples.size();
    reqs.push_back(std::move(q));
  }
  const pid_t pid = install.collector()->pid();
  const uint64_t cpu0 = CpuNanos(pid);
  r.seconds = PostAll(fmt::format("https://127.0.0.1:{}/ingest/v1/batch", install.ingest_port()),
                      install.tls().ca_cert, reqs, o.connections, 200);
  r.server_cpu_s = static_cast<double>(CpuNanos(pid) - cpu0) / 1e9;
  install.StopCollector();
  return r;
}

int FreePort() {
  const int port = testing::FreeLoopbackPort();
  if (port == 0) Die("cannot find a free port");
  return port;
}

Result RunVictoriaMetrics(const Options& o, const std::vector<protocol::Batch>& batches) {
  TempDir dir;
  testing::TlsFiles tls;
  if (!testing::MakeTlsFiles(dir.Path("tls"), &tls)) Die("scripts/gen-tls failed");
  const int port = FreePort();
  testing::Process vm;
  if (!vm.Start({o.victoria_metrics, "-storageDataPath=" + dir.Path("data"),
                 fmt::format("-httpListenAddr=127.0.0.1:{}", port), "-retentionPeriod=100y", "-tls",
                 "-tlsCertFile=" + tls.server_cert, "-tlsKeyFile=" + tls.server_key,
                 "-loggerLevel=ERROR"},
                dir.Path("vm.log"))) {
    Die("cannot start " + o.victoria_metrics);
  }
  const std::string base = fmt::format("https://127.0.0.1:{}", port);
  auto deadline = Clock::now() + std::chrono::seconds(30);
  for (;;) {
    testing::HttpRequest health;
    health.url = base + "/health";
    health.ca_file = tls.ca_cert;
    if (testing::HttpDo(health).status == 200) break;
    if (!vm.running() || Clock::now() > deadline)
      Die("victoria-metrics did not start: " + vm.Log());
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::vector<PostRequest> reqs;
  Result r;
  r.name = "victoria-metrics (HTTPS, JSON line import, ack when buffered)";
  for (const protocol::Batch& b : batches) {
    PostRequest q;
    q.body = ToVmJson(b);
    q.headers = {"Content-Type: application/json"};
    r.bytes += q.body.size();
    for (const auto& s : b.series) r.samples += s.samples.size();
    reqs.push_back(std::move(q));
  }
  const uint64_t cpu0 = CpuNanos(vm.pid());
  r.seconds = PostAll(base + "/api/v1/import", tls.ca_cert, reqs, o.connections, 204);
  r.server_cpu_s = static_cast<double>(CpuNanos(vm.pid()) - cpu0) / 1e9;
  vm.Signal(SIGTERM);
  vm.Wait();
  return r;
}

Options ParseArgs(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> int {
      if (i + 1 >= argc) Die("missing value for " + a);
      return std::atoi(argv[++i]);
    };
    if (a == "--agents") {
      o.agents = value();
    } else if (a == "--batches-per-agent") {
      o.batches_per_agent = value();
    } else if (a == "--series") {
      o.series = value();
    } else if (a == "--samples") {
      o.samples = value();
    } else if (a == "--connections") {
      o.connections = value();
    } else if (a == "--victoria-metrics") {
      if (i + 1 >= argc) Die("missing value for " + a);
      o.victoria_metrics = argv[++i];
    } else {
      Die("unknown argument " + a);
    }
  }
  if (o.agents < 1 || o.batches_per_agent < 1 || o.series < 1 || o.samples < 1 ||
      o.connections < 1 || o.series > 4096) {
    Die("every count must be >= 1 (series <= 4096)");
  }
  return o;
}

int Run(const Options& o) {
  std::vector<protocol::Batch> batches;
  const int64_t base = (std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count() -
                        86400) *
                       1'000'000'000;
  // Interleave agents as a fleet would send them.
  for (int n = 0; n < o.batches_per_agent; ++n) {
    for (int a = 0; a < o.agents; ++a) batches.push_back(MakeBatch(o, a, n, base));
  }
  Result lm = RunLightmetrics(o, batches);
  Result vm = RunVictoriaMetrics(o, batches);
  std::printf("## Ingest: %d agents x %d batches x %d series x %d samples, %d connections\n\n",
              o.agents, o.batches_per_agent, o.series, o.samples, o.connections);
  std::printf(
      "| server | samples | request MiB | seconds | samples/s | server CPU s | samples per CPU "
      "second |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
  for (const Result& r : {lm, vm}) {
    std::printf("| %s | %llu | %.1f | %.2f | %.0f | %.2f | %.0f |\n", r.name.c_str(),
                static_cast<unsigned long long>(r.samples), r.bytes / 1048576.0, r.seconds,
                r.SamplesPerSecond(), r.server_cpu_s, r.SamplesPerCpuSecond());
  }
  std::printf(
      "\nRatio lm-collector / victoria-metrics: samples/s %.2f, samples per CPU second %.2f\n",
      lm.SamplesPerSecond() / vm.SamplesPerSecond(),
      lm.SamplesPerCpuSecond() / vm.SamplesPerCpuSecond());
  return 0;
}

}  // namespace
}  // namespace lm::bench

int main(int argc, char** argv) {
  curl_global_init(CURL_GLOBAL_DEFAULT);
  try {
    return lm::bench::Run(lm::bench::ParseArgs(argc, argv));
  } catch (const lm::bench::BenchError& e) {
    std::fprintf(stderr, "ingest_bench: %s\n", e.why.c_str());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ingest_bench: %s\n", e.what());
    return 1;
  }
}
