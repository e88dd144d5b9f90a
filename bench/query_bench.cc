// Query benchmark: the same data loaded into Debian's Prometheus 2.42 (blocks written by
// `promtool tsdb create-blocks-from openmetrics`) and into lm-collector (through
// `lm-collector import openmetrics`, i.e. its normal ingest path), then a fixed set of
// instant and range queries sent to both over HTTP, each repeated; reports the median
// latency per query and the ratio, and lm-collector's memory per active series.
// Usage: query_bench [--hosts N] [--hours H] [--step-s S] [--repeat R] [--prometheus PATH]
//                    [--promtool PATH]
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "bench/proc_usage.h"
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
  int hosts = 100;  // 100 series per host: 10k series
  int hours = 6;
  int step_s = 15;
  int repeat = 10;
  std::string prometheus = "/usr/bin/prometheus";
  std::string promtool = "/usr/bin/promtool";
};

int FreePort() {
  const int port = testing::FreeLoopbackPort();
  if (port == 0) Die("cannot find a free port");
  return port;
}

// Writes the data set as OpenMetrics: per host 8 cpus x 8 modes of node_cpu_seconds_total,
// 2 memory gauges, 3 codes x 2 handlers of http_requests_total and a 3 x 8-bucket latency
// histogram (+ sum/count): 100 series per host. Returns (series, samples, end time s).
struct DataSet {
  uint64_t series = 0;
  uint64_t samples = 0;
  int64_t start_s = 0;
  int64_t end_s = 0;
};

DataSet WriteData(const Options& o, const std::string& path) {
  DataSet d;
  const int points = o.hours * 3600 / o.step_s;
  d.end_s = (std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count() /
             3600) *
                3600 -
            3600;
  d.start_s = d.end_s - static_cast<int64_t>(points - 1) * o.step_s;
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) Die("cannot write " + path);
  const char* modes[] = {"user", "system", "idle", "iowait", "irq", "softirq", "steal", "nice"};
  const char* les[] = {"0.005", "0.01", "0.05", "0.1", "0.5", "1", "5", "+Inf"};
  auto family = [&](const char* name, const char* type) {
    std::fprintf(f, "# TYPE %s %s\n", name, type);
  };
  // OpenMetrics groups samples by family; within a family, by series, in time order.
  family("node_cpu_seconds", "counter");
  for (int h = 0; h < o.hosts; ++h) {
    for (int cpu = 0; cpu < 8; ++cpu) {
      for (int m = 0; m < 8; ++m) {
        ++d.series;
        double v = 0;
        for (int i = 0; i < points; ++i) {
          v += (m == 2 ? 0.8 : 0.03) * o.step_s * (1 + ((h + cpu + i) % 7) * 0.01);
          std::fprintf(
              f,
              "node_cpu_seconds_total{cpu=\"%d\",instance=\"host-%03d\",mode=\"%s\"} %.3f %lld\n",
              cpu, h, modes[m], v, static_cast<long long>(d.start_s + i * o.step_s));
        }
      }
    }
  }
  for (const char* name : {"node_memory_MemAvailable_bytes", "node_memory_MemTotal_bytes"}) {
    family(name, "gauge");
    const bool total = std::string_view(name).find("Total") != std::string_view::npos;
    for (int h = 0; h < o.hosts; ++h) {
      ++d.series;
      for (int i = 0; i < points; ++i) {
        const double v = total ? 16e9 : 4e9 + ((h * 131 + i * 17) % 1000) * 1e6;
        std::fprintf(f, "%s{instance=\"host-%03d\"} %.0f %lld\n", name, h, v,
                     static_cast<long long>(d.start_s + i * o.step_s));
      }
    }
  }
  family("http_requests", "counter");
  for (int h = 0; h < o.hosts; ++h) {
    for (const char* code : {"200", "404", "500"}) {
      for (const char* handler : {"/api", "/static"}) {
        ++d.series;
        double v = 0;
        for (int i = 0; i < points; ++i) {
          v += (code[0] == '2' ? 50 : 2) * (1 + (i % 11) * 0.05);
          std::fprintf(
              f,
              "http_requests_total{code=\"%s\",handler=\"%s\",instance=\"host-%03d\"} %.0f %lld\n",
              code, handler, h, v, static_cast<long long>(d.start_s + i * o.step_s));
        }
      }
    }
  }
  family("http_request_duration_seconds", "histogram");
  for (int h = 0; h < o.hosts; ++h) {
    for (const char* handler : {"/api", "/static", "/login"}) {
      for (int b = 0; b < 8; ++b) {
        ++d.series;
        double v = 0;
        for (int i = 0; i < points; ++i) {
          v += 10.0 * (b + 1) * (1 + (i % 5) * 0.1);
          std::fprintf(f,
                       "http_request_duration_seconds_bucket{handler=\"%s\",instance=\"host-%03d\","
                       "le=\"%s\"} %.0f %lld\n",
                       handler, h, les[b], v, static_cast<long long>(d.start_s + i * o.step_s));
        }
      }
      for (const char* part : {"sum", "count"}) {
        ++d.series;
        double v = 0;
        for (int i = 0; i < points; ++i) {
          v += part[0] == 's' ? 12.5 : 80;
          std::fprintf(
              f,
              "http_request_duration_seconds_%s{handler=\"%s\",instance=\"host-%03d\"} %.1f %lld\n",
              part, handler, h, v, static_cast<long long>(d.start_s + i * o.step_s));
        }
      }
    }
  }
  std::fprintf(f, "# EOF\n");
  if (std::fclose(f) != 0) Die("cannot write " + path);
  d.samples = d.series * static_cast<uint64_t>(points);
  return d;
}

struct Query {
  std::string name;
  std::string expr;
  bool range;
};

std::vector<Query> Queries() {
  return {
      {"selector", "node_memory_MemAvailable_bytes", true},
      {"rate", "rate(http_requests_total[5m])", true},
      {"sum by rate", "sum by (code) (rate(http_requests_total[5m]))", true},
      {"histogram_quantile",
       "histogram_quantile(0.9, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))",
       true},
      {"topk", "topk(5, rate(node_cpu_seconds_total{mode=\"user\"}[5m]))", true},
      {"join", "node_memory_MemAvailable_bytes / on(instance) node_memory_MemTotal_bytes", true},
      {"instant sum by rate", "sum by (mode) (rate(node_cpu_seconds_total[5m]))", false},
      {"instant selector", "http_requests_total{code=\"500\"}", false},
  };
}

std::string UrlEncode(std::string_view s) {
  std::string out;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(c);
    } else {
      out += fmt::format("%{:02X}", u);
    }
  }
  return out;
}

// Median latency in ms of `repeat` runs of each query against `base`.
std::vector<double> Measure(const std::string& base, const std::vector<std::string>& headers,
                            const std::vector<Query>& queries, const DataSet& d, int repeat) {
  std::vector<double> medians;
  for (const Query& q : queries) {
    std::string path =
        q.range ? fmt::format("/api/v1/query_range?query={}&start={}&end={}&step=60",
                              UrlEncode(q.expr), d.start_s, d.end_s)
                : fmt::format("/api/v1/query?query={}&time={}", UrlEncode(q.expr), d.end_s);
    std::vector<double> ms;
    for (int i = 0; i < repeat + 1; ++i) {
      testing::HttpRequest r;
      r.url = base + path;
      r.headers = headers;
      r.timeout_ms = 120000;
      const auto t0 = Clock::now();
      testing::HttpResult res = testing::HttpDo(r);
      const double elapsed = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
      if (res.status != 200) {
        Die(fmt::format("{} on {} answered {}: {}", q.name, base, res.status,
                        res.body.substr(0, 300) + res.error));
      }
      if (i > 0) ms.push_back(elapsed);  // the first run warms caches
    }
    std::sort(ms.begin(), ms.end());
    medians.push_back(ms[ms.size() / 2]);
  }
  return medians;
}

int Run(const Options& o) {
  TempDir dir;
  const std::string data = dir.Path("data.om");
  const DataSet d = WriteData(o, data);
  std::fprintf(stderr, "query_bench: %llu series, %llu samples written\n",
               static_cast<unsigned long long>(d.series),
               static_cast<unsigned long long>(d.samples));

  // Prometheus: blocks from the same file, then the server on them.
  const std::string prom_data = dir.Path("prometheus");
  if (testing::RunToExit({o.promtool, "tsdb", "create-blocks-from", "openmetrics", data, prom_data},
                         dir.Path("promtool.log"), std::chrono::minutes(30)) != 0) {
    Die("promtool create-blocks-from failed; see " + dir.Path("promtool.log"));
  }
  testing::WriteText(dir.Path("prometheus.yml"), "global:\n  scrape_interval: 1h\n");
  const int prom_port = FreePort();
  testing::Process prom;
  if (!prom.Start({o.prometheus, "--config.file=" + dir.Path("prometheus.yml"),
                   "--storage.tsdb.path=" + prom_data, "--storage.tsdb.retention.time=100y",
                   fmt::format("--web.listen-address=127.0.0.1:{}", prom_port)},
                  dir.Path("prometheus.log"))) {
    Die("cannot start prometheus");
  }
  const std::string prom_base = fmt::format("http://127.0.0.1:{}", prom_port);
  for (auto deadline = Clock::now() + std::chrono::minutes(5);;) {
    testing::HttpRequest r;
    r.url = prom_base + "/-/ready";
    if (testing::HttpDo(r).status == 200) break;
    if (!prom.running() || Clock::now() > deadline) Die("prometheus did not start: " + prom.Log());
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }

  // Lightmetrics: a collector fed through its own import.
  testing::LocalInstall lm;
  if (!lm.tls_ok()) Die("scripts/gen-tls failed");
  testing::WriteText(lm.Path("secrets/importer.token"), "import-token-0123456789abcdef\n", 0600);
  lm.SetIngestExtra("max_series_per_batch = 2048\nmax_samples_per_series = 1024");
  lm.SetServerExtra("log_level = \"warn\"",
                    "[[ingest.agents]]\nid = \"importer\"\ntoken_file = "
                    "\"secrets/importer.token\"\n");
  if (std::string e = lm.StartCollector(); !e.empty()) Die(e);
  const uint64_t rss_before = StatusKib(lm.collector()->pid(), "VmRSS");
  const auto import_start = Clock::now();
  if (testing::RunToExit({lm.Bin("lm-collector"), "import", "openmetrics", data, "--url",
                          fmt::format("https://127.0.0.1:{}/ingest/v1/batch", lm.ingest_port()),
                          "--ca-file", lm.tls().ca_cert, "--token-file",
                          lm.Path("secrets/importer.token"), "--agent-id", "importer"},
                         dir.Path("import.log"), std::chrono::minutes(30)) != 0) {
    Die("lm-collector import failed; see " + dir.Path("import.log"));
  }
  const double import_s = std::chrono::duration<double>(Clock::now() - import_start).count();
  const uint64_t rss_after = StatusKib(lm.collector()->pid(), "VmRSS");
  const std::string lm_base = fmt::format("http://127.0.0.1:{}", lm.query_port());

  const auto queries = Queries();
  const auto prom_ms = Measure(prom_base, {}, queries, d, o.repeat);
  const auto lm_ms =
      Measure(lm_base, {std::string("Authorization: Bearer ") + testing::LocalInstall::kQueryToken},
              queries, d, o.repeat);
  const uint64_t prom_rss = StatusKib(prom.pid(), "VmRSS");

  std::printf("## Queries: %llu series, %d h at %d s (%llu samples), median of %d runs\n\n",
              static_cast<unsigned long long>(d.series), o.hours, o.step_s,
              static_cast<unsigned long long>(d.samples), o.repeat);
  std::printf("| query | kind | Prometheus ms | Lightmetrics ms | ratio |\n");
  std::printf("| --- | --- | ---: | ---: | ---: |\n");
  std::vector<double> ratios;
  for (size_t i = 0; i < queries.size(); ++i) {
    const double ratio = lm_ms[i] / prom_ms[i];
    ratios.push_back(ratio);
    std::printf("| %s | %s | %.2f | %.2f | %.2f |\n", queries[i].name.c_str(),
                queries[i].range ? "range, 6 h at 60 s" : "instant", prom_ms[i], lm_ms[i], ratio);
  }
  std::sort(ratios.begin(), ratios.end());
  std::printf("\nMedian latency ratio Lightmetrics / Prometheus: %.2f\n",
              ratios[ratios.size() / 2]);
  std::printf(
      "lm-collector memory: %.1f MiB after import (+%.1f MiB), %.0f bytes per series; "
      "Prometheus RSS %.1f MiB. Import through the ingest path: %.1f s.\n",
      rss_after / 1024.0, (rss_after - rss_before) / 1024.0,
      (rss_after - rss_before) * 1024.0 / static_cast<double>(d.series), prom_rss / 1024.0,
      import_s);
  prom.Signal(SIGTERM);
  prom.Wait();
  lm.StopCollector();
  return 0;
}

Options ParseArgs(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Die("missing value for " + a);
      return argv[++i];
    };
    if (a == "--hosts") {
      o.hosts = std::atoi(value().c_str());
    } else if (a == "--hours") {
      o.hours = std::atoi(value().c_str());
    } else if (a == "--step-s") {
      o.step_s = std::atoi(value().c_str());
    } else if (a == "--repeat") {
      o.repeat = std::atoi(value().c_str());
    } else if (a == "--prometheus") {
      o.prometheus = value();
    } else if (a == "--promtool") {
      o.promtool = value();
    } else {
      Die("unknown argument " + a);
    }
  }
  if (o.hosts < 1 || o.hours < 1 || o.step_s < 1 || o.repeat < 1) Die("counts must be >= 1");
  return o;
}

}  // namespace
}  // namespace lm::bench

int main(int argc, char** argv) {
  try {
    return lm::bench::Run(lm::bench::ParseArgs(argc, argv));
  } catch (const lm::bench::BenchError& e) {
    std::fprintf(stderr, "query_bench: %s\n", e.why.c_str());
    return 1;
  }
}
