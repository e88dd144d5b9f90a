// Log benchmark. Generates N access-log lines (deterministic), then in the same run:
//   1. writes their bytes to a file and fdatasyncs it (the raw write rate of the same bytes);
//   2. sends them to a real lm-collector as batches over HTTPS (acknowledged after the spool's
//      fsync), from several agents over keep-alive connections: lines/s and server CPU;
//   3. runs searches through /api/v1/logs, paging (limit 1000, asc) until every match has
//      been returned, and the same searches with ripgrep over the raw file from page cache
//      (every matching line printed into a pipe and counted). The match counts must agree.
// Each search is run --repeats times; the fastest run counts, for both.
// Usage: log_bench [--lines N] [--per-batch N] [--agents N] [--connections N] [--repeats N]
//                  [--rg PATH]
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "bench/parallel_post.h"
#include "bench/proc_usage.h"
#include "protocol/batch_codec.h"
#include "tests/common/local_install.h"

namespace lm::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  uint64_t lines = 10'000'000;
  int per_batch = 5000;
  int agents = 8;
  int connections = 4;
  int repeats = 3;
  std::string rg = "/usr/bin/rg";
};

double Since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// One generated line: a key=value access log. About one line in 100,000 is an error line
// carrying "payment gateway timeout"; statuses are 200 (most), 201, 404, 500 and 503 (1%).
struct LineGenerator {
  std::mt19937_64 rng{42};
  static constexpr const char* kServices[] = {"checkout", "cart",    "search",   "catalog",
                                              "auth",     "payment", "shipping", "reviews"};
  static constexpr const char* kMethods[] = {"GET", "GET", "GET",  "GET",  "GET",
                                             "GET", "GET", "POST", "POST", "PUT"};

  std::string Next(uint64_t n, bool* error) {
    const uint64_t r = rng();
    const char* service = kServices[r % 8];
    const char* method = kMethods[(r >> 3) % 10];
    const uint64_t s = (r >> 8) % 100;
    const int status = s < 90 ? 200 : s < 94 ? 201 : s < 98 ? 404 : s < 99 ? 500 : 503;
    const uint64_t id = rng();
    *error = n % 100'003 == 17;
    if (*error) {
      return fmt::format(
          "level=error service={} msg=\"payment gateway timeout\" code=E9{:03} request_id={:016x}",
          service, (r >> 20) % 1000, id);
    }
    return fmt::format(
        "level=info service={} method={} path=/api/v1/{}/{} status={} duration_ms={} "
        "request_id={:016x} user=u{:06}",
        service, method, service, (r >> 16) % 100000, status, (r >> 33) % 2000, id,
        (r >> 44) % 500000);
  }
};

struct Corpus {
  std::string raw;                  // every line + '\n'
  std::vector<PostRequest> frames;  // the same lines as batches
  uint64_t frame_bytes = 0;
};

Corpus Generate(const Options& o, const std::vector<std::string>& tokens) {
  Corpus c;
  LineGenerator gen;
  const int64_t base = (std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count() -
                        3600) *
                       1'000'000'000;
  std::vector<uint64_t> seq(o.agents, 0);
  uint64_t n = 0;
  for (uint64_t b = 0; n < o.lines; ++b) {
    const int agent = static_cast<int>(b % o.agents);
    protocol::Batch batch;
    batch.identity = {fmt::format("logs-{:02}", agent), "bench-boot", ++seq[agent], seq[agent]};
    batch.host.hostname = batch.identity.agent_id;
    for (int i = 0; i < o.per_batch && n < o.lines; ++i, ++n) {
      protocol::LogRecord r;
      bool error = false;
      r.message = gen.Next(n, &error);
      r.time_unix_nano = base + static_cast<int64_t>(n) * 100'000;
      r.severity = error ? protocol::Severity::kError : protocol::Severity::kInfo;
      r.target = "access";
      c.raw += r.message;
      c.raw += '\n';
      batch.logs.push_back(std::move(r));
    }
    PostRequest q;
    q.body = protocol::EncodeBatchFrame(batch);
    q.headers = {"Content-Type: application/x-capnp", "Authorization: Bearer " + tokens[agent],
                 "X-Lightmetrics-Agent: " + batch.identity.agent_id,
                 fmt::format("X-Lightmetrics-Seq-Start: {}", batch.identity.seq_start),
                 fmt::format("X-Lightmetrics-Seq-End: {}", batch.identity.seq_end)};
    c.frame_bytes += q.body.size();
    c.frames.push_back(std::move(q));
  }
  return c;
}

// Writes `data` to `path` in 1 MiB writes and fdatasyncs it; returns seconds.
double WriteRaw(const std::string& path, const std::string& data) {
  const auto t0 = Clock::now();
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error("cannot create " + path);
  for (size_t at = 0; at < data.size();) {
    const size_t n = std::min<size_t>(1 << 20, data.size() - at);
    ssize_t w = ::write(fd, data.data() + at, n);
    if (w <= 0) throw std::runtime_error("write " + path);
    at += static_cast<size_t>(w);
  }
  if (::fdatasync(fd) != 0) throw std::runtime_error("fdatasync " + path);
  ::close(fd);
  return Since(t0);
}

struct Search {
  std::string name;
  std::string param;  // "contains" or "regex"
  std::string value;  // the same text for ripgrep (-F for contains)
};

std::string FormEncode(const std::string& s) {
  std::string out;
  for (unsigned char ch : s) {
    if (std::isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
      out += static_cast<char>(ch);
    } else {
      out += fmt::format("%{:02X}", ch);
    }
  }
  return out;
}

// Every match of `s` through /api/v1/logs, page by page; returns (matches, seconds).
std::pair<uint64_t, double> SearchCollector(const testing::LocalInstall& install, const Search& s) {
  KeepAliveClient client;
  const std::string url = fmt::format("http://127.0.0.1:{}/api/v1/logs", install.query_port());
  const std::vector<std::string> headers = {
      std::string("Authorization: Bearer ") + testing::LocalInstall::kQueryToken,
      "Content-Type: application/x-www-form-urlencoded"};
  const std::string query = fmt::format("{}={}&order=asc&limit=1000", s.param, FormEncode(s.value));
  uint64_t matches = 0;
  std::string cursor;
  std::string response;
  const auto t0 = Clock::now();
  for (;;) {
    long status =
        client.Post(url, headers, cursor.empty() ? query : query + "&cursor=" + cursor, &response);
    if (status != 200) throw std::runtime_error(fmt::format("search {}: {}", status, response));
    for (size_t at = 0; (at = response.find("\"time_unix_nano\"", at)) != std::string::npos; ++at) {
      ++matches;
    }
    const std::string key = "\"next_cursor\":\"";
    size_t at = response.rfind(key);
    if (at == std::string::npos) break;
    at += key.size();
    cursor = response.substr(at, response.find('"', at) - at);
  }
  return {matches, Since(t0)};
}

// Every matching line printed by ripgrep into a pipe; returns (matching lines, seconds).
std::pair<uint64_t, double> SearchRipgrep(const Options& o, const std::string& file,
                                          const Search& s) {
  const std::string cmd =
      fmt::format("'{}' --no-config --no-filename --no-line-number {} -e '{}' '{}'", o.rg,
                  s.param == "contains" ? "-F" : "", s.value, file);
  const auto t0 = Clock::now();
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) throw std::runtime_error("cannot run " + cmd);
  std::vector<char> buf(1 << 20);
  uint64_t lines = 0;
  for (size_t n; (n = std::fread(buf.data(), 1, buf.size(), p)) > 0;) {
    lines += static_cast<uint64_t>(std::count(buf.data(), buf.data() + n, '\n'));
  }
  const int rc = ::pclose(p);
  const double seconds = Since(t0);
  if (rc != 0 && lines > 0) throw std::runtime_error(fmt::format("{} exited {}", cmd, rc));
  return {lines, seconds};
}

int Run(const Options& o) {
  testing::LocalInstall install;
  if (!install.tls_ok()) throw std::runtime_error("scripts/gen-tls failed");
  std::vector<std::string> tokens;
  std::string agents;
  for (int a = 0; a < o.agents; ++a) {
    const std::string id = fmt::format("logs-{:02}", a);
    tokens.push_back("token-for-" + id + "-0123456789");
    testing::WriteText(install.Path("secrets/" + id + ".token"), tokens.back() + "\n", 0600);
    agents +=
        fmt::format("[[ingest.agents]]\nid = \"{}\"\ntoken_file = \"secrets/{}.token\"\n", id, id);
  }
  install.SetIngestExtra(
      fmt::format("max_logs_per_batch = {}\nmax_frame_bytes = {}", o.per_batch, 64 << 20));
  install.SetServerExtra("log_level = \"warn\"", agents);

  std::fprintf(stderr, "log_bench: generating %llu lines\n",
               static_cast<unsigned long long>(o.lines));
  Corpus corpus = Generate(o, tokens);
  const std::string raw_path = install.Path("raw.log");
  const double raw_s = WriteRaw(raw_path, corpus.raw);
  const double raw_mib = corpus.raw.size() / 1048576.0;

  if (std::string e = install.StartCollector(); !e.empty()) throw std::runtime_error(e);
  const pid_t pid = install.collector()->pid();
  const uint64_t cpu0 = CpuNanos(pid);
  std::fprintf(stderr, "log_bench: ingesting %zu batches\n", corpus.frames.size());
  const double ingest_s =
      PostAll(fmt::format("https://127.0.0.1:{}/ingest/v1/batch", install.ingest_port()),
              install.tls().ca_cert, corpus.frames, o.connections, 200);
  const double ingest_cpu_s = static_cast<double>(CpuNanos(pid) - cpu0) / 1e9;
  const uint64_t frame_bytes = corpus.frame_bytes;
  corpus.frames.clear();
  corpus.frames.shrink_to_fit();
  corpus.raw.clear();
  corpus.raw.shrink_to_fit();

  std::printf(
      "## Logs: %llu lines (%.0f MiB of text), %d lines per batch, %d agents, %d "
      "connections\n\n",
      static_cast<unsigned long long>(o.lines), raw_mib, o.per_batch, o.agents, o.connections);
  std::printf("| path | seconds | lines/s | MiB/s |\n| --- | ---: | ---: | ---: |\n");
  std::printf("| raw write of the text to a file + fdatasync | %.2f | %.0f | %.0f |\n", raw_s,
              o.lines / raw_s, raw_mib / raw_s);
  std::printf(
      "| lm-collector ingest (HTTPS, %.0f MiB of frames, fsync before ack) | %.2f | %.0f | %.0f "
      "|\n",
      frame_bytes / 1048576.0, ingest_s, o.lines / ingest_s, raw_mib / ingest_s);
  std::printf(
      "\nIngest / raw write: %.2f of the line rate. Server CPU during ingest: %.2f s (%.0f lines "
      "per CPU second). Collector peak RSS after ingest: %.0f MiB.\n\n",
      raw_s / ingest_s, ingest_cpu_s, o.lines / ingest_cpu_s, StatusKib(pid, "VmHWM") / 1024.0);

  const std::vector<Search> searches = {
      {"selective substring", "contains", "payment gateway timeout"},
      {"selective regex", "regex", "request_id=ff[0-9a-f]{2}00"},
      {"unselective substring (1% of lines)", "contains", "status=503"},
      {"unselective regex (~1% of lines)", "regex", "status=50[0-9] duration_ms=1[0-9]{3}"},
  };
  std::printf(
      "| search | matches | lm-collector s (all pages) | ripgrep s | lm / ripgrep |\n| --- | "
      "---: | ---: | ---: | ---: |\n");
  SearchRipgrep(o, raw_path, searches[0]);  // page cache warm-up
  for (const Search& s : searches) {
    double lm_best = 1e9;
    double rg_best = 1e9;
    uint64_t lm_matches = 0;
    uint64_t rg_matches = 0;
    for (int i = 0; i < o.repeats; ++i) {
      auto [lm_n, lm_s] = SearchCollector(install, s);
      auto [rg_n, rg_s] = SearchRipgrep(o, raw_path, s);
      lm_matches = lm_n;
      rg_matches = rg_n;
      lm_best = std::min(lm_best, lm_s);
      rg_best = std::min(rg_best, rg_s);
    }
    if (lm_matches != rg_matches) {
      throw std::runtime_error(fmt::format("{}: lm-collector found {} matches, ripgrep {}", s.name,
                                           lm_matches, rg_matches));
    }
    std::printf("| %s `%s=%s` | %llu | %.3f | %.3f | %.2f |\n", s.name.c_str(), s.param.c_str(),
                s.value.c_str(), static_cast<unsigned long long>(lm_matches), lm_best, rg_best,
                lm_best / rg_best);
  }
  std::printf("\nCollector RSS with the logs loaded: %.0f MiB.\n",
              StatusKib(pid, "VmRSS") / 1024.0);
  install.StopCollector();
  return 0;
}

Options ParseArgs(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto text = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error("missing value for " + a);
      return argv[++i];
    };
    if (a == "--lines") {
      o.lines = std::strtoull(text().c_str(), nullptr, 10);
    } else if (a == "--per-batch") {
      o.per_batch = std::atoi(text().c_str());
    } else if (a == "--agents") {
      o.agents = std::atoi(text().c_str());
    } else if (a == "--connections") {
      o.connections = std::atoi(text().c_str());
    } else if (a == "--repeats") {
      o.repeats = std::atoi(text().c_str());
    } else if (a == "--rg") {
      o.rg = text();
    } else {
      throw std::runtime_error("unknown argument " + a);
    }
  }
  if (o.lines < 1 || o.per_batch < 1 || o.agents < 1 || o.connections < 1 || o.repeats < 1) {
    throw std::runtime_error("every count must be >= 1");
  }
  return o;
}

}  // namespace
}  // namespace lm::bench

int main(int argc, char** argv) {
  curl_global_init(CURL_GLOBAL_DEFAULT);
  try {
    return lm::bench::Run(lm::bench::ParseArgs(argc, argv));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "log_bench: %s\n", e.what());
    return 1;
  }
}
