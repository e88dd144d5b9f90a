// lm-agent: collects host telemetry, queues it durably and uploads it to lm-collector.
//
//   lm-agent --once --config agent.toml      one scrape + upload; exit 1 if anything failed
//                                            (unsent batches stay queued for the next run)
//   lm-agent --daemon --config agent.toml    scrape + upload every interval_ms until
//                                            SIGINT/SIGTERM; exit 0 on a signal. SIGHUP
//                                            reloads the config file (see RunDaemonLoop)
//   lm-agent check-config --config agent.toml [--collector-config server.toml]
//                                            validate and print "ok" (exit 0) or the error
//                                            (exit 1)
// Usage errors exit 2.
#include <signal.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <string>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include "common/code_pages.h"
#include "common/logging.h"

#include "agent/agent.h"
#include "agent/upload/collector_url.h"
#include "agent/version.h"
#include "common/logging.h"
#include "config/agent_config.h"
#include "config/collector_config.h"
#include "config/secret_file.h"

namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

std::atomic<bool> g_stop{false};
std::atomic<bool> g_reload{false};
static_assert(std::atomic<bool>::is_always_lock_free, "the signal handler needs a lock-free flag");

extern "C" void HandleStopSignal(int) { g_stop.store(true); }
extern "C" void HandleReloadSignal(int) { g_reload.store(true); }

lm::Status InstallSignalHandlers() {
  struct sigaction sa = {};
  sa.sa_handler = HandleStopSignal;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGINT, SIGTERM}) {
    if (::sigaction(sig, &sa, nullptr) != 0) return lm::ErrnoStatus("sigaction", errno);
  }
  sa.sa_handler = HandleReloadSignal;
  if (::sigaction(SIGHUP, &sa, nullptr) != 0) return lm::ErrnoStatus("sigaction", errno);
  return lm::Status::Ok();
}

// Everything check-config verifies about the agent config alone.
lm::Status CheckAgentConfig(const lm::config::AgentConfig& config) {
  LM_RETURN_IF_ERROR(lm::config::CheckAgentFiles(config));
  return lm::agent::ParseCollectorUrl(config.collector.url)
      .status()
      .WithContext(fmt::format("{}: collector.url", config.source_path));
}

int RunCheckConfig(const std::string& config_path, const std::string& collector_config_path) {
  auto fail = [](const lm::Status& s) {
    std::fprintf(stdout, "%s\n", s.ToString().c_str());
    return kExitFailure;
  };
  auto config = lm::config::LoadAgentConfig(config_path);
  if (!config.ok()) return fail(config.error());
  if (lm::Status s = CheckAgentConfig(*config); !s.ok()) return fail(s);
  if (!collector_config_path.empty()) {
    auto collector = lm::config::LoadCollectorConfig(collector_config_path);
    if (!collector.ok()) return fail(collector.error());
    if (lm::Status s = lm::config::CheckAgentAgainstCollector(*config, *collector); !s.ok()) {
      return fail(s);
    }
  }
  std::fprintf(stdout, "ok\n");
  return kExitOk;
}

// A loaded configuration with everything checked that can be checked before the running
// agent is stopped: the files it names and the upload token.
struct LoadedConfig {
  lm::config::AgentConfig config;
  std::string token;
};

lm::Result<LoadedConfig> LoadConfig(const std::string& config_path) {
  LoadedConfig out;
  LM_ASSIGN_OR_RETURN(out.config, lm::config::LoadAgentConfig(config_path));
  LM_RETURN_IF_ERROR(CheckAgentConfig(out.config));
  LM_ASSIGN_OR_RETURN(out.token, lm::config::ReadSecretFile(out.config.collector.token_file));
  return out;
}

lm::Result<lm::agent::AgentPtr> StartAgent(const LoadedConfig& loaded,
                                           const std::string& proc_root) {
  LM_RETURN_IF_ERROR(lm::InitLogging(loaded.config.log_level));
  lm::agent::AgentRuntimeOptions runtime;
  runtime.proc_root = proc_root;
  return lm::agent::Agent::Create(loaded.config, loaded.token, runtime);
}

// Runs the daemon until SIGINT/SIGTERM. On SIGHUP the config file is loaded and checked
// again; when it is valid the running agent is closed (its queue, with the log positions,
// stays on disk) and a new one is started from it, else the error is logged and the
// running agent goes on unchanged. If the new agent cannot start (say its queue directory
// cannot be opened) the previous configuration is started again; only when that fails too
// does the daemon exit 1.
int RunDaemonLoop(const std::string& config_path, const std::string& proc_root, LoadedConfig loaded,
                  lm::agent::AgentPtr agent) {
  for (;;) {
    // Start-up code (configuration and option parsing) is not needed again until a reload.
    if (lm::Status released = lm::ReleaseCodePages(); !released.ok()) {
      lm::log::Debug("releasing start-up pages: {}", released.ToString());
    }
    lm::Status s = agent->RunDaemon(g_stop, &g_reload);
    if (!s.ok()) {
      lm::log::Error("{}", s.ToString());
      return kExitFailure;
    }
    if (g_stop.load()) return kExitOk;
    g_reload.store(false);
    lm::log::Info("SIGHUP: reloading {}", config_path);
    auto next = LoadConfig(config_path);
    if (!next.ok()) {
      lm::log::Error("reload refused, keeping the running configuration: {}",
                     next.error().ToString());
      continue;
    }
    agent.reset();  // releases the queue directory
    auto started = StartAgent(*next, proc_root);
    if (started.ok()) {
      loaded = std::move(next).value();
      agent = std::move(started).value();
      lm::log::Info("configuration reloaded");
      continue;
    }
    lm::log::Error("reloaded configuration cannot start ({}); restarting the previous one",
                   started.error().ToString());
    auto previous = StartAgent(loaded, proc_root);
    if (!previous.ok()) {
      lm::log::Error("cannot restart the previous configuration: {}", previous.error().ToString());
      return kExitFailure;
    }
    agent = std::move(previous).value();
  }
}

int RunAgent(const std::string& config_path, const std::string& proc_root, bool daemon) {
  if (lm::Status s = InstallSignalHandlers(); !s.ok()) {
    lm::log::Error("{}", s.ToString());
    return kExitFailure;
  }
  auto loaded = LoadConfig(config_path);
  if (!loaded.ok()) {
    lm::log::Error("cannot start: {}", loaded.error().ToString());
    return kExitFailure;
  }
  auto agent = StartAgent(*loaded, proc_root);
  if (!agent.ok()) {
    lm::log::Error("cannot start: {}", agent.error().ToString());
    return kExitFailure;
  }
  if (daemon) {
    return RunDaemonLoop(config_path, proc_root, std::move(loaded).value(),
                         std::move(agent).value());
  }
  lm::Status s = (*agent)->RunOnce(&g_stop);
  if (!s.ok()) {
    lm::log::Error("{}", s.ToString());
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  ::signal(SIGPIPE, SIG_IGN);  // a collector that hangs up must not kill the agent
  if (lm::Status s = lm::InitLogging("info"); !s.ok()) return kExitFailure;

  CLI::App app{"lm-agent: Lightmetrics host agent", "lm-agent"};
  app.set_version_flag("--version", std::string(lm::agent::kAgentVersion));
  std::string config_path;
  std::string proc_root = "/proc";
  bool once = false;
  bool daemon = false;
  app.add_option("--config", config_path, "Agent configuration file (TOML)");
  auto* once_flag = app.add_flag("--once", once, "Collect, queue and upload once, then exit");
  auto* daemon_flag =
      app.add_flag("--daemon", daemon, "Collect and upload every interval_ms until signalled");
  once_flag->excludes(daemon_flag);
  app.add_option("--proc-root", proc_root, "Where host metrics are read from")
      ->capture_default_str();

  std::string check_config_path;
  std::string collector_config_path;
  CLI::App* check = app.add_subcommand("check-config", "Validate configuration and exit");
  check->add_option("--config", check_config_path, "Agent configuration file (TOML)")->required();
  check->add_option("--collector-config", collector_config_path,
                    "Also check the agent limits against this collector configuration");
  app.require_subcommand(0, 1);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? kExitOk : kExitUsage;
  }

  if (check->parsed()) return RunCheckConfig(check_config_path, collector_config_path);
  if (!once && !daemon) {
    std::fprintf(stderr, "%s\nerror: one of --once, --daemon or check-config is required\n",
                 app.help().c_str());
    return kExitUsage;
  }
  if (config_path.empty()) {
    std::fprintf(stderr, "error: --config is required\n");
    return kExitUsage;
  }
  return RunAgent(config_path, proc_root, daemon);
}
