// lm-collector: the Lightmetrics server. Subcommands:
//   serve --config F [--ports-file P]   run until SIGINT/SIGTERM
//   check-config --config F             validate the configuration and referenced files
//   reconcile --config F                one reconciliation pass over the object store, with
//                                       progress on stderr; exit 1 unless it ends "ok"
//   import openmetrics FILE --url U --ca-file F --token-file T --agent-id ID
//                                       backfill: send FILE's samples to a running
//                                       collector as batches of agent ID (see importer.h)
//   quarantine list --config F [--limit N]
//   quarantine show --config F --id ID [--export FILE]
//   quarantine resolve --config F --id ID [--export FILE]
//                                       inspect and resolve quarantined frames (resolve
//                                       deletes the entry, after writing its frame to FILE)
#include <pthread.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <string>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include "common/logging.h"

#include "collector/collector.h"
#include "collector/import/importer.h"
#include "collector/object_store_factory.h"
#include "collector/quarantine/quarantine.h"
#include "common/file_util.h"
#include "common/logging.h"
#include "config/collector_config.h"
#include "config/secret_file.h"
#include "objectstore/fs/fs_object_store.h"
#include "objectstore/reconciler.h"

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

int Reconcile(const std::string& config_path) {
  auto config = LoadChecked(config_path);
  if (!config.ok()) return Fail(config.error());
  auto store = lm::collector::OpenObjectStore(config->object_store);
  if (!store.ok()) return Fail(store.error());
  if (!*store) {
    return Fail(lm::FailedPrecondition("no [object_store] is configured: nothing to reconcile"));
  }
  std::fprintf(stderr, "reconciling %s\n", (*store)->Describe().c_str());
  lm::objectstore::Reconciler reconciler(store->get());
  auto report = reconciler.RunOnce([](const lm::objectstore::ReconcileReport& r) {
    std::fprintf(stderr, "\r%llu manifests, %llu index entries, %llu repairs, %llu errors",
                 static_cast<unsigned long long>(r.manifests_scanned),
                 static_cast<unsigned long long>(r.index_entries_scanned),
                 static_cast<unsigned long long>(r.repairs),
                 static_cast<unsigned long long>(r.errors));
  });
  std::fprintf(stderr, "\n");
  std::printf("state %s: %llu manifests, %llu index entries, %llu repairs, %llu errors\n",
              std::string(lm::objectstore::ReconcileStateName(report.state)).c_str(),
              static_cast<unsigned long long>(report.manifests_scanned),
              static_cast<unsigned long long>(report.index_entries_scanned),
              static_cast<unsigned long long>(report.repairs),
              static_cast<unsigned long long>(report.errors));
  for (const std::string& e : report.error_samples) std::printf("error: %s\n", e.c_str());
  return report.state == lm::objectstore::ReconcileReport::State::kOk ? 0 : 1;
}

int Import(const std::string& file, lm::collector::ImportOptions options,
           const std::string& token_file) {
  auto token = lm::config::ReadSecretFile(token_file);
  if (!token.ok()) return Fail(token.error());
  options.token = *token;
  const auto start = std::chrono::steady_clock::now();
  options.progress = [&](const lm::collector::ImportProgress& p) {
    std::fprintf(
        stderr, "\r%llu lines, %llu samples, %llu batches (%llu duplicate)",
        static_cast<unsigned long long>(p.lines), static_cast<unsigned long long>(p.samples),
        static_cast<unsigned long long>(p.batches), static_cast<unsigned long long>(p.duplicates));
  };
  auto result = lm::collector::ImportOpenMetrics(file, options);
  std::fprintf(stderr, "\n");
  if (!result.ok()) return Fail(result.error());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf(
      "imported %s: %llu samples in %llu series appearances, %llu batches (%llu accepted, %llu "
      "duplicate) in %.1f s\n",
      file.c_str(), static_cast<unsigned long long>(result->samples),
      static_cast<unsigned long long>(result->series),
      static_cast<unsigned long long>(result->batches),
      static_cast<unsigned long long>(result->accepted),
      static_cast<unsigned long long>(result->duplicates), seconds);
  return 0;
}

void PrintEntry(const lm::collector::QuarantineEntry& e) {
  std::printf("%s\n  identity %s/%s/%llu-%llu, %llu bytes, sha256 %s\n", e.id.c_str(),
              e.identity.agent_id.c_str(), e.identity.boot_id.c_str(),
              static_cast<unsigned long long>(e.identity.seq_start),
              static_cast<unsigned long long>(e.identity.seq_end),
              static_cast<unsigned long long>(e.frame_bytes), e.sha256.c_str());
  std::printf("  accepted sha256 %s\n  received %lld ms by %s: %s\n",
              e.accepted_sha256.empty() ? "(unknown)" : e.accepted_sha256.c_str(),
              static_cast<long long>(e.received_unix_ms), e.collector.c_str(), e.reason.c_str());
}

int QuarantineCommand(const std::string& config_path, const std::string& action,
                      const std::string& id, const std::string& export_path, size_t limit) {
  auto config = LoadChecked(config_path);
  if (!config.ok()) return Fail(config.error());
  auto store = lm::collector::OpenObjectStore(config->object_store);
  if (!store.ok()) return Fail(store.error());
  lm::objectstore::ObjectStorePtr local;
  lm::objectstore::ObjectStore* where = store->get();
  if (where == nullptr) {
    auto fs = lm::objectstore::FsObjectStore::Open(config->QuarantineDir());
    if (!fs.ok()) return Fail(fs.error());
    local = std::move(fs).value();
    where = local.get();
  }
  lm::collector::Quarantine quarantine(where, config->collector_id);
  if (action == "list") {
    auto entries = quarantine.List(limit);
    if (!entries.ok()) return Fail(entries.error());
    for (const auto& e : *entries) PrintEntry(e);
    std::printf("%zu entries\n", entries->size());
    return 0;
  }
  auto entry = quarantine.Get(id);
  if (!entry.ok()) return Fail(entry.error());
  if (!export_path.empty()) {
    auto frame = quarantine.Frame(id);
    if (!frame.ok()) return Fail(frame.error());
    if (lm::Status s = lm::WriteFileAtomic(export_path, *frame, 0600); !s.ok()) return Fail(s);
    std::printf("frame written to %s\n", export_path.c_str());
  }
  if (action == "show") {
    PrintEntry(*entry);
    return 0;
  }
  if (lm::Status s = quarantine.Resolve(id); !s.ok()) return Fail(s);
  std::printf("resolved %s\n", id.c_str());
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
  auto* reconcile =
      app.add_subcommand("reconcile", "repair missing derived index entries in the object store");
  reconcile->add_option("--config", config_path, "server.toml")->required();
  auto* quarantine = app.add_subcommand("quarantine", "inspect and resolve quarantined frames");
  quarantine->require_subcommand(1);
  std::string id;
  std::string export_path;
  size_t limit = 1000;
  auto* q_list = quarantine->add_subcommand("list", "list quarantined frames");
  q_list->add_option("--config", config_path, "server.toml")->required();
  q_list->add_option("--limit", limit, "most entries to list")->check(CLI::Range(1, 100000));
  auto* q_show = quarantine->add_subcommand("show", "show one entry");
  auto* q_resolve = quarantine->add_subcommand("resolve", "delete one entry");
  for (auto* sub : {q_show, q_resolve}) {
    sub->add_option("--config", config_path, "server.toml")->required();
    sub->add_option("--id", id, "the entry id, as listed")->required();
    sub->add_option("--export", export_path, "write the quarantined frame to this file first");
  }
  auto* import = app.add_subcommand("import", "backfill data into a running collector");
  import->require_subcommand(1);
  auto* openmetrics = import->add_subcommand("openmetrics", "import an OpenMetrics file");
  std::string import_file;
  std::string token_file;
  lm::collector::ImportOptions import_options;
  openmetrics->add_option("FILE", import_file, "OpenMetrics text ending with # EOF")->required();
  openmetrics->add_option("--url", import_options.url, "the ingest endpoint")->required();
  openmetrics->add_option("--ca-file", import_options.ca_file, "CA of the ingest listener")
      ->required();
  openmetrics->add_option("--token-file", token_file, "the import identity's token file")
      ->required();
  openmetrics->add_option("--agent-id", import_options.agent_id, "the import identity")->required();
  CLI11_PARSE(app, argc, argv);

  if (openmetrics->parsed()) return Import(import_file, import_options, token_file);
  if (reconcile->parsed()) return Reconcile(config_path);
  if (quarantine->parsed()) {
    const std::string action = q_list->parsed() ? "list" : q_show->parsed() ? "show" : "resolve";
    return QuarantineCommand(config_path, action, id, export_path, limit);
  }

  if (check->parsed()) {
    auto c = LoadChecked(config_path);
    if (!c.ok()) return Fail(c.error());
    std::printf("%s: ok\n", config_path.c_str());
    return 0;
  }
  return Serve(config_path, ports_file);
}
