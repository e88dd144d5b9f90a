// An isolated Lightmetrics installation in a temporary directory: real lm-collector and
// lm-agent binaries on ephemeral loopback ports, real TLS from scripts/gen-tls, token files
// with mode 0600. Used by the end-to-end tests (through E2eEnv, which adds gtest
// assertions) and by the benchmarks. Errors are returned as text (empty = success).
// Not thread safe.
#pragma once

#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "tests/common/http_client.h"
#include "tests/common/process.h"
#include "tests/common/temp_dir.h"
#include "tests/common/tls_fixture.h"

namespace lm::testing {

inline void WriteText(const std::string& path, const std::string& text, mode_t mode = 0644) {
  std::ofstream(path) << text;
  ::chmod(path.c_str(), mode);
}

class LocalInstall {
 public:
  static constexpr const char* kAgentId = "host-a";
  static constexpr const char* kAgentToken = "agent-token-for-host-a-0123456789";
  static constexpr const char* kQueryToken = "query-token-0123456789abcdef";

  LocalInstall() {
    ::mkdir(dir_.Path("secrets").c_str(), 0700);
    tls_ok_ = MakeTlsFiles(dir_.Path("tls"), &tls_);
    WriteText(dir_.Path("secrets/host-a.token"), std::string(kAgentToken) + "\n", 0600);
    WriteText(dir_.Path("secrets/query.token"), std::string(kQueryToken) + "\n", 0600);
    WriteText(dir_.Path("server.toml"), ServerToml(""));
  }

  // False when scripts/gen-tls failed.
  bool tls_ok() const { return tls_ok_; }

  // Extra TOML lines for the [ingest] table (limits, acceptance).
  void SetIngestExtra(const std::string& extra) {
    ingest_extra_ = extra;
    WriteText(dir_.Path("server.toml"), ServerToml(ingest_extra_));
  }
  // Extra TOML: `top` before the first table (top-level keys such as collector_id), `tail`
  // after the last (e.g. an [object_store] table).
  void SetServerExtra(const std::string& top, const std::string& tail) {
    server_top_ = top;
    server_tail_ = tail;
    WriteText(dir_.Path("server.toml"), ServerToml(ingest_extra_));
  }

  std::string Bin(const std::string& name) const {
    return std::string(LM_BINARY_DIR) + "/bin/" + name;
  }
  std::string Path(const std::string& p) const { return dir_.Path(p); }

  // Extra agent.toml text: `top` goes before the first table (top-level keys), `tail` after
  // the last (e.g. [[log_inputs]] tables). Applied when the collector's ports are known
  // (StartCollector) or at once when they are.
  void SetAgentExtra(const std::string& top, const std::string& tail) {
    agent_top_ = top;
    agent_tail_ = tail;
    if (ingest_port_ != 0) WriteText(Path("agent.toml"), AgentToml());
  }

  // Keeps the ingest port of the running collector for later starts (clients that outlive
  // a restart keep their address).
  void PinIngestPort() {
    fixed_ingest_port_ = ingest_port_;
    WriteText(dir_.Path("server.toml"), ServerToml(ingest_extra_));
  }
  // The collector process (for signals), or null.
  Process* collector_process() { return collector_.get(); }

  // Starts lm-collector, waits until it reports its ports and writes agent.toml. Returns
  // an error text (with the collector's log) or "".
  std::string StartCollector() {
    ::unlink(Path("ports.json").c_str());
    collector_ = std::make_unique<Process>();
    if (!collector_->Start({Bin("lm-collector"), "serve", "--config", Path("server.toml"),
                            "--ports-file", Path("ports.json")},
                           Path("collector.log"))) {
      return "cannot spawn lm-collector";
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      std::ifstream in(Path("ports.json"));
      std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      if (!text.empty()) {
        auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
        if (j.is_object() && j.contains("ingest") && j.contains("query")) {
          ingest_port_ = j["ingest"];
          query_port_ = j["query"];
          WriteText(Path("agent.toml"), AgentToml());
          return "";
        }
      }
      if (!collector_->running()) return "collector exited:\n" + collector_->Log();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return "collector did not start:\n" + collector_->Log();
  }

  // SIGTERM and wait; returns the exit code (-1 on timeout).
  int StopCollector() {
    collector_->Signal(SIGTERM);
    return collector_->Wait();
  }

  int RunAgentOnce() {
    return RunToExit({Bin("lm-agent"), "--once", "--config", Path("agent.toml")},
                     Path("agent.log"));
  }

  HttpResult Query(const std::string& query_string, bool with_token = true) const {
    HttpRequest r;
    r.url = fmt::format("http://127.0.0.1:{}/api/v1/query?{}", query_port_, query_string);
    if (with_token) r.headers.push_back(std::string("Authorization: Bearer ") + kQueryToken);
    return HttpDo(r);
  }

  // GET or form POST on the query listener with the query token.
  HttpResult QueryPath(const std::string& path_and_query, const std::string& method = "GET",
                       const std::string& form = "") const {
    HttpRequest r;
    r.method = method;
    r.url = fmt::format("http://127.0.0.1:{}{}", query_port_, path_and_query);
    r.headers.push_back(std::string("Authorization: Bearer ") + kQueryToken);
    if (method == "POST") {
      r.headers.push_back("Content-Type: application/x-www-form-urlencoded");
      r.body = form;
    }
    return HttpDo(r);
  }

  HttpResult PostFrame(const std::string& frame, uint64_t seq_start, uint64_t seq_end,
                       std::vector<std::string> extra_headers = {},
                       const std::string& token = kAgentToken,
                       const std::string& path = "/ingest/v1/batch") const {
    HttpRequest r;
    r.method = "POST";
    r.url = fmt::format("https://127.0.0.1:{}{}", ingest_port_, path);
    r.ca_file = tls_.ca_cert;
    r.body = frame;
    r.headers = {"Content-Type: application/x-capnp", "Authorization: Bearer " + token,
                 std::string("X-Lightmetrics-Agent: ") + kAgentId,
                 fmt::format("X-Lightmetrics-Seq-Start: {}", seq_start),
                 fmt::format("X-Lightmetrics-Seq-End: {}", seq_end)};
    for (auto& h : extra_headers) r.headers.push_back(std::move(h));
    return HttpDo(r);
  }

  int ingest_port() const { return ingest_port_; }
  int query_port() const { return query_port_; }
  const TlsFiles& tls() const { return tls_; }
  const Process* collector() const { return collector_.get(); }
  std::string CollectorLog() const { return collector_ ? collector_->Log() : ""; }

 private:
  std::string ServerToml(const std::string& ingest_extra) const {
    return fmt::format(R"({}
state_dir = "state"
[ingest]
listen = "127.0.0.1:{}"
tls_cert_file = "tls/server.crt"
tls_key_file = "tls/server.key"
{}
[[ingest.agents]]
id = "{}"
token_file = "secrets/host-a.token"
[query]
listen = "127.0.0.1:0"
token_file = "secrets/query.token"
{}
)",
                       server_top_, fixed_ingest_port_, ingest_extra, kAgentId, server_tail_);
  }

  std::string AgentToml() const {
    return fmt::format(R"(agent_id = "{}"
{}
[collector]
url = "https://127.0.0.1:{}/ingest/v1/batch"
ca_file = "tls/ca.crt"
token_file = "secrets/host-a.token"
[queue]
dir = "queue"
{}
)",
                       kAgentId, agent_top_.empty() ? "interval_ms = 1000" : agent_top_,
                       ingest_port_, agent_tail_);
  }

  TempDir dir_;
  TlsFiles tls_;
  bool tls_ok_ = false;
  std::unique_ptr<Process> collector_;
  int ingest_port_ = 0;
  int query_port_ = 0;
  std::string agent_top_;
  std::string agent_tail_;
  std::string ingest_extra_;
  std::string server_top_;
  std::string server_tail_;
  int fixed_ingest_port_ = 0;
};

}  // namespace lm::testing
