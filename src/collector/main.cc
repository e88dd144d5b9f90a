// lm-collector: the Lightmetrics server. Subcommands:
//   serve --config F [--ports-file P]   run until SIGINT/SIGTERM
//   check-config --config F             validate the configuration and referenced files
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <string>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include "common/logging.h"

#include "collector/collector.h"
#include "common/file_util.h"
#include "common/logging.h"
#include "config/collector_config.h"

namespace {

int Fail(const lm::Status& s) {
  std::fprintf(stderr, "lm-collector: %s\n", s.message().c_str());
  return 1;
}

lm::Result<lm::config::CollectorConfig> LoadChecked(const std::string& path) {
  LM_ASSIGN_OR_RETURN(lm::config::CollectorConfig c, lm::config::LoadCollectorConfig(path));
  LM_RETURN_IF_ERROR(lm::config::CheckCollectorFiles(c));
  return c;
}

int Serve(const std::string& config_path, const std::string& ports_file) {
  // Block the stop signals in every thread; this thread waits for them below.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  signal(SIGPIPE, SIG_IGN);

  auto config = LoadChecked(config_path);
  if (!config.ok()) return Fail(config.error());
  if (lm::Status s = lm::InitLogging(config->log_level); !s.ok()) return Fail(s);
  auto collector = lm::collector::CreateCollector(*config);
  if (!collector.ok()) return Fail(collector.error());
  (*collector)->Start();
  if (!ports_file.empty()) {
    std::string ports = fmt::format("{{\"ingest\":{},\"query\":{}}}\n", (*collector)->ingest_port(),
                                    (*collector)->query_port());
    if (lm::Status s = lm::WriteFileAtomic(ports_file, ports); !s.ok()) return Fail(s);
  }
  lm::log::Info("lm-collector ready: ingest port {}, query port {}", (*collector)->ingest_port(),
                (*collector)->query_port());
  int sig = 0;
  sigwait(&stop, &sig);
  lm::log::Info("received {}, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
  (*collector)->Stop();
  lm::log::Info("stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"lm-collector: the Lightmetrics server"};
  app.require_subcommand(1);
  std::string config_path;
  std::string ports_file;
  auto* serve = app.add_subcommand("serve", "run the collector");
  serve->add_option("--config", config_path, "server.toml")->required();
  serve->add_option("--ports-file", ports_file,
                    "write the bound ports as JSON to this file once listening");
  auto* check = app.add_subcommand("check-config", "validate the configuration and its files");
  check->add_option("--config", config_path, "server.toml")->required();
  CLI11_PARSE(app, argc, argv);

  if (check->parsed()) {
    auto c = LoadChecked(config_path);
    if (!c.ok()) return Fail(c.error());
    std::printf("%s: ok\n", config_path.c_str());
    return 0;
  }
  return Serve(config_path, ports_file);
}
