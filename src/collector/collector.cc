#include "collector/collector.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "api/auth.h"
#include "api/catalog_api.h"
#include "api/events_api.h"
#include "api/logs_api.h"
#include "api/logs_tail.h"
#include "api/prometheus_api.h"
#include "collector/admin/admin_api.h"
#include "collector/ingest/identity_index.h"
#include "collector/ingest/ingest_handler.h"
#include "collector/ingest/local_spool_acceptor.h"
#include "collector/ingest/s3_manifest_acceptor.h"
#include "collector/landing/lander.h"
#include "collector/object_store_factory.h"
#include "collector/quarantine/quarantine.h"
#include "collector/spool/spool.h"
#include "common/clock.h"
#include "common/file_util.h"
#include "common/logging.h"
#include "common/sha256.h"
#include "common/thread_pool.h"
#include "config/secret_file.h"
#include "http/router.h"
#include "http/server.h"
#include "objectstore/fs/fs_object_store.h"
#include "objectstore/manifest.h"
#include "objectstore/object_layout.h"
#include "objectstore/reconciler.h"
#include "promql/engine.h"
#include "protocol/batch_codec.h"
#include "protocol/limits.h"
#include "store/batch_ingest.h"
#include "store/logs/alert_store.h"
#include "store/logs/log_store.h"
#include "store/mem_store.h"

namespace lm::collector {
namespace {

constexpr std::string_view kLocalOnlyWarning =
    "object storage is not configured: results are limited to accepted data in this "
    "collector's local spool";

std::string CacheWarning(uint32_t hours) {
  return fmt::format(
      "results come from this collector's query cache: its local spool and the last {} hours "
      "of the object store at start-up; older object-store data is not queried",
      hours);
}

std::string DefaultCollectorId() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') return "collector";
  return host;
}

class CollectorImpl : public Collector {
 public:
  explicit CollectorImpl(const config::CollectorConfig& config)
      : config_(config),
        engine_(promql::EngineOptions{.lookback_delta_ms = config.query.lookback_delta_ms}) {
    if (config_.collector_id.empty()) config_.collector_id = DefaultCollectorId();
  }

  ~CollectorImpl() override { Stop(); }

  Status Init() {
    std::vector<std::pair<std::string, std::string>> tokens;
    for (const auto& a : config_.ingest.agents) {
      LM_ASSIGN_OR_RETURN(std::string token, config::ReadSecretFile(a.token_file));
      tokens.emplace_back(a.agent_id, std::move(token));
    }
    LM_ASSIGN_OR_RETURN(TokenAuthenticator auth, TokenAuthenticator::Create(tokens));
    LM_ASSIGN_OR_RETURN(std::string query_token, config::ReadSecretFile(config_.query.token_file));
    LM_RETURN_IF_ERROR(MakeDirs(config_.state_dir, 0700));

    auto store = OpenObjectStore(config_.object_store);
    if (!store.ok()) return store.error().WithContext("object store");
    store_ = std::move(store).value();
    if (store_) {
      quarantine_store_ = store_.get();
    } else {
      auto local = objectstore::FsObjectStore::Open(config_.QuarantineDir());
      if (!local.ok()) return local.error().WithContext("quarantine");
      local_quarantine_ = std::move(local).value();
      quarantine_store_ = local_quarantine_.get();
    }
    quarantine_ = std::make_unique<Quarantine>(quarantine_store_, config_.collector_id);

    LM_RETURN_IF_ERROR(OpenSpool());
    if (store_) {
      reconciler_ = std::make_unique<objectstore::Reconciler>(store_.get());
      LM_RETURN_IF_ERROR(LoadRecentFromObjectStore());
    }

    ConflictFn on_conflict = [this](const protocol::BatchIdentity& id, std::string_view frame,
                                    const std::string& sha, const std::string& accepted_sha) {
      lm::log::Error(
          "identity conflict {}/{}/{}-{}: accepted with sha256 {}, refused frame has {}; it is "
          "quarantined",
          id.agent_id, id.boot_id, id.seq_start, id.seq_end, accepted_sha, sha);
      Status s = quarantine_->Add(id, frame, sha, accepted_sha, "identity conflict at ingest");
      if (!s.ok()) lm::log::Error("quarantine: {}", s.ToString());
    };
    AcceptedFn on_accepted = [this](const protocol::Batch& b) {
      IngestIntoCache(b);
      events_.Publish(b, NowUnixMillis());
    };
    if (config_.ingest.acceptance == config::AcceptanceMode::kS3Manifest) {
      pool_ = std::make_unique<ThreadPool>(8);
      acceptor_ =
          std::make_unique<S3ManifestAcceptor>(store_.get(), &index_, pool_.get(), spool_.get(),
                                               config_.collector_id, on_accepted, on_conflict);
      // Repair what a crash between manifest and indexes may have left, before serving.
      ReportReconcile(reconciler_->RunOnce());
    } else {
      acceptor_ =
          std::make_unique<LocalSpoolAcceptor>(spool_.get(), &index_, on_accepted, on_conflict);
      if (store_) {
        auto lander =
            Lander::Open(LanderOptions{.spool_dir = config_.SpoolDir(),
                                       .collector_id = config_.collector_id,
                                       .interval_ms = config_.ingest.object_landing_interval_ms},
                         store_.get(), quarantine_.get());
        if (!lander.ok()) return lander.error().WithContext("landing");
        lander_ = std::move(lander).value();
      }
    }
    ingest_ =
        std::make_unique<IngestHandler>(std::move(auth), config_.ingest.limits, acceptor_.get());
    LM_RETURN_IF_ERROR(CreateIngestServer());
    return CreateQueryServer(query_token);
  }

  void Start() override {
    ingest_server_->Start();
    query_server_->Start();
    if (lander_) lander_->Start();
    if (reconciler_ && config_.object_store.reconcile_interval_ms > 0) {
      reconcile_thread_ = std::thread([this] { ReconcileLoop(); });
    }
  }

  void Stop() override {
    if (stopped_) return;
    stopped_ = true;
    if (ingest_server_) ingest_server_->Stop();
    // Live streams end cleanly: their last chunk is written before the listener stops.
    const bool streaming = events_.subscribers() > 0 || log_tail_.streams() > 0;
    events_.Close();
    log_tail_.Close();
    if (streaming) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (query_server_) query_server_->Stop();
    if (pool_) pool_->Shutdown();
    if (lander_) lander_->Stop();
    {
      std::lock_guard lock(stop_mu_);
      stopping_ = true;
    }
    stop_cv_.notify_all();
    if (reconcile_thread_.joinable()) reconcile_thread_.join();
    if (spool_) spool_->Close();
  }

  uint16_t ingest_port() const override { return ingest_server_->port(); }
  uint16_t query_port() const override { return query_server_->port(); }

 private:
  // Adds an accepted batch to every part of the query cache. Called once per identity.
  void IngestIntoCache(const protocol::Batch& b) {
    store::IngestBatchMetrics(b, &cache_);
    if (!b.logs.empty()) {
      logs_.AppendBatch(b);
      log_tail_.Notify();
    }
    if (!b.alerts.empty()) alerts_.AppendBatch(b);
  }

  Status OpenSpool() {
    const protocol::DecodeLimits limits = protocol::AcceptedFrameLimits();
    uint64_t replayed = 0;
    uint64_t unreadable = 0;
    auto spool =
        Spool::Open(SpoolOptions{.dir = config_.SpoolDir()}, [&](int64_t, std::string_view frame) {
          auto batch = protocol::DecodeBatchFrame(frame, limits);
          if (!batch.ok()) {
            lm::log::Error("spool replay: unreadable frame: {}", batch.error().ToString());
            ++unreadable;
            return;
          }
          if (!index_.AddDurable(batch->identity, Sha256Hex(frame))) {
            lm::log::Error("spool replay: identity {}/{}/{}-{} appears twice with different bytes",
                           batch->identity.agent_id, batch->identity.boot_id,
                           batch->identity.seq_start, batch->identity.seq_end);
            return;
          }
          IngestIntoCache(*batch);
          ++replayed;
        });
    if (!spool.ok()) return spool.error().WithContext("open spool");
    spool_ = std::move(spool).value();
    lm::log::Info("spool: replayed {} batches ({} series, {} samples){}", replayed,
                  cache_.NumSeries(), cache_.NumSamples(),
                  unreadable ? fmt::format(", {} unreadable", unreadable) : "");
    return Status::Ok();
  }

  // Loads batches accepted in the last startup_load_hours that the spool did not hold
  // (accepted by another collector, or before the spool was lost) through the
  // accepted-by-time index. A store that cannot be listed is reported and start-up goes on:
  // queries then say which data they cover.
  Status LoadRecentFromObjectStore() {
    const uint32_t hours = config_.object_store.startup_load_hours;
    if (hours == 0) return Status::Ok();
    const int64_t from_ms = NowUnixMillis() - static_cast<int64_t>(hours) * 3600 * 1000;
    const std::string start_after =
        std::string(objectstore::kAcceptedByTimePrefix) + objectstore::HourPartition(from_ms);
    uint64_t loaded = 0;
    uint64_t failed = 0;
    const protocol::DecodeLimits limits = protocol::AcceptedFrameLimits();
    Status listed = objectstore::ListAll(
        *store_, objectstore::kAcceptedByTimePrefix, start_after,
        [&](const objectstore::ObjectInfo& o) {
          auto entry = objectstore::ParseAcceptedByTimeKey(o.key);
          if (!entry || entry->accepted_unix_ms < from_ms) return true;
          // Known identities (from the spool) are skipped without reading anything.
          if (index_.Contains(entry->identity)) return true;
          auto text = store_->Get(objectstore::AcceptedManifestKey(entry->identity));
          auto manifest = text.ok() ? objectstore::DecodeManifest(*text)
                                    : Result<objectstore::AcceptedManifest>(text.error());
          auto frame = manifest.ok() ? store_->Get(manifest->blob_key)
                                     : Result<std::string>(manifest.error());
          if (!frame.ok()) {
            ++failed;
            lm::log::Warn("start-up load: {}", frame.error().ToString());
            return true;
          }
          auto batch = protocol::DecodeBatchFrame(*frame, limits);
          if (!batch.ok() || Sha256Hex(*frame) != manifest->sha256) {
            ++failed;
            lm::log::Warn("start-up load: blob {} does not match its manifest", manifest->blob_key);
            return true;
          }
          index_.AddDurable(batch->identity, manifest->sha256);
          IngestIntoCache(*batch);
          ++loaded;
          return true;
        });
    if (!listed.ok()) {
      lm::log::Error("start-up load from {} failed: {}; queries cover the local spool only",
                     store_->Describe(), listed.ToString());
      load_failed_ = true;
      return Status::Ok();
    }
    lm::log::Info("start-up load: {} batches from the last {} hours of {}{}", loaded, hours,
                  store_->Describe(), failed ? fmt::format(" ({} unreadable)", failed) : "");
    return Status::Ok();
  }

  void ReportReconcile(const objectstore::ReconcileReport& r) {
    const auto level = r.state == objectstore::ReconcileReport::State::kOk ? lm::log::Level::kInfo
                                                                           : lm::log::Level::kWarn;
    lm::log::At(level, "reconciliation {}: {} manifests, {} index entries, {} repairs, {} errors{}",
                objectstore::ReconcileStateName(r.state), r.manifests_scanned,
                r.index_entries_scanned, r.repairs, r.errors,
                r.error_samples.empty() ? "" : " (first: " + r.error_samples[0] + ")");
  }

  void ReconcileLoop() {
    const auto interval = std::chrono::milliseconds(config_.object_store.reconcile_interval_ms);
    std::unique_lock lock(stop_mu_);
    while (!stop_cv_.wait_for(lock, interval, [&] { return stopping_; })) {
      lock.unlock();
      ReportReconcile(reconciler_->RunOnce());
      lock.lock();
    }
  }

  Status CreateIngestServer() {
    http::ServerOptions in;
    in.name = "ingest";
    in.listen = config_.ingest.listen;
    in.tls = http::TlsOptions{config_.ingest.tls.cert_file, config_.ingest.tls.key_file};
    in.max_body_bytes = config_.ingest.limits.max_frame_bytes;
    in.threads = 2;
    auto server = http::CreateServer(
        in,
        [this](http::Request&& r, http::Responder respond) {
          ingest_->Handle(std::move(r), std::move(respond));
        },
        [this](const http::Request& head, http::Response* reject) {
          return ingest_->CheckHeaders(head, reject);
        });
    if (!server.ok()) return server.error();
    ingest_server_ = std::move(server).value();
    return Status::Ok();
  }

  Status CreateQueryServer(const std::string& query_token) {
    api::PrometheusApiOptions api_options;
    if (!store_ || load_failed_) {
      api_options.warnings.emplace_back(kLocalOnlyWarning);
    } else {
      api_options.warnings.emplace_back(CacheWarning(config_.object_store.startup_load_hours));
    }
    prom_api_ = std::make_unique<api::PrometheusApi>(&cache_, &engine_, api_options);
    auto wrap = [query_token](http::Handler h) {
      return api::RequireBearerToken(query_token, std::move(h));
    };
    prom_api_->Register(&router_, wrap);
    catalog_api_ = std::make_unique<api::CatalogApi>(&cache_, api_options.warnings);
    catalog_api_->Register(&router_, wrap);
    events_.Register(&router_, wrap);
    logs_api_ = std::make_unique<api::LogsApi>(&logs_, &alerts_, api_options.warnings);
    logs_api_->Register(&router_, wrap);
    log_tail_.Register(&router_, wrap);
    RegisterAdminApi(AdminApiParts{.object_store = store_ ? store_->Describe() : "",
                                   .reconciler = reconciler_.get(),
                                   .lander = lander_.get(),
                                   .quarantine = quarantine_.get()},
                     &router_, wrap);
    for (const char* path : {"/-/healthy", "/-/ready"}) {
      router_.Add({"GET", "HEAD"}, path, [](http::Request&&, http::Responder respond) {
        http::Response r;
        r.content_type = "text/plain";
        r.body = "OK\n";
        respond(std::move(r));
      });
    }
    http::ServerOptions q;
    q.name = "query";
    q.listen = config_.query.listen;
    if (config_.query.tls) {
      q.tls = http::TlsOptions{config_.query.tls->cert_file, config_.query.tls->key_file};
    }
    q.max_body_bytes = 1 << 20;
    q.threads = 2;
    auto server = http::CreateServer(q, router_.AsHandler());
    if (!server.ok()) return server.error();
    query_server_ = std::move(server).value();
    return Status::Ok();
  }

  config::CollectorConfig config_;
  store::MemStore cache_;
  promql::Engine engine_;
  IdentityIndex index_;
  objectstore::ObjectStorePtr store_;
  std::unique_ptr<objectstore::FsObjectStore> local_quarantine_;
  objectstore::ObjectStore* quarantine_store_ = nullptr;
  std::unique_ptr<Quarantine> quarantine_;
  std::unique_ptr<objectstore::Reconciler> reconciler_;
  bool load_failed_ = false;
  SpoolPtr spool_;
  std::unique_ptr<ThreadPool> pool_;
  std::unique_ptr<Acceptor> acceptor_;
  std::unique_ptr<Lander> lander_;
  std::unique_ptr<IngestHandler> ingest_;
  std::unique_ptr<api::PrometheusApi> prom_api_;
  std::unique_ptr<api::CatalogApi> catalog_api_;
  api::EventHub events_;
  store::logs::LogStore logs_;
  store::logs::AlertStore alerts_;
  std::unique_ptr<api::LogsApi> logs_api_;
  api::LogTail log_tail_{&logs_};
  http::Router router_;
  http::ServerPtr ingest_server_;
  http::ServerPtr query_server_;
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread reconcile_thread_;
  bool stopped_ = false;
};

}  // namespace

Result<std::unique_ptr<Collector>> CreateCollector(const config::CollectorConfig& config) {
  auto c = std::make_unique<CollectorImpl>(config);
  LM_RETURN_IF_ERROR(c->Init());
  return std::unique_ptr<Collector>(std::move(c));
}

}  // namespace lm::collector
