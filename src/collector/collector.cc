#include "collector/collector.h"

#include <fmt/format.h>
#include "common/logging.h"

#include "api/auth.h"
#include "api/prometheus_api.h"
#include "collector/ingest/identity_index.h"
#include "collector/ingest/ingest_handler.h"
#include "collector/ingest/local_spool_acceptor.h"
#include "collector/spool/spool.h"
#include "common/file_util.h"
#include "common/sha256.h"
#include "config/secret_file.h"
#include "http/router.h"
#include "http/server.h"
#include "promql/engine.h"
#include "protocol/batch_codec.h"
#include "store/batch_ingest.h"
#include "store/mem_store.h"

namespace lm::collector {
namespace {

constexpr std::string_view kLocalOnlyWarning =
    "object storage is not configured: results are limited to accepted data in this "
    "collector's local spool";

// Frames in the spool were accepted under the limits in force at the time; replay must not
// reject them if the limits were lowered since.
protocol::DecodeLimits ReplayLimits() {
  protocol::DecodeLimits l;
  l.max_frame_bytes = 1ull << 30;
  l.max_series_per_batch = UINT32_MAX;
  l.max_labels_per_series = UINT32_MAX;
  l.max_label_key_bytes = UINT32_MAX;
  l.max_label_value_bytes = UINT32_MAX;
  l.max_samples_per_series = UINT32_MAX;
  l.max_buckets_per_histogram = UINT32_MAX;
  l.max_logs_per_batch = UINT32_MAX;
  l.max_log_message_bytes = UINT32_MAX;
  l.max_alerts_per_batch = UINT32_MAX;
  return l;
}

Status CheckSupported(const config::CollectorConfig& c) {
  if (c.object_store.type == config::ObjectStoreType::kGcs) {
    return FailedPrecondition(
        "object_store.type \"gcs\" is not supported; use \"filesystem\" or "
        "\"s3\" with an S3-compatible endpoint");
  }
  if (c.object_store.type != config::ObjectStoreType::kNone) {
    return FailedPrecondition(
        "object stores are not supported by this version yet; set object_store.type = \"none\" "
        "(see docs/limitations.md)");
  }
  if (c.ingest.acceptance != config::AcceptanceMode::kLocalSpool) {
    return FailedPrecondition(
        "ingest.acceptance = \"s3_manifest\" is not supported by this version yet; use "
        "\"local_spool\" (see docs/limitations.md)");
  }
  return Status::Ok();
}

class CollectorImpl : public Collector {
 public:
  explicit CollectorImpl(const config::CollectorConfig& config)
      : config_(config),
        engine_(promql::EngineOptions{.lookback_delta_ms = config.query.lookback_delta_ms}) {}

  ~CollectorImpl() override { Stop(); }

  Status Init() {
    LM_RETURN_IF_ERROR(CheckSupported(config_));
    std::vector<std::pair<std::string, std::string>> tokens;
    for (const auto& a : config_.ingest.agents) {
      LM_ASSIGN_OR_RETURN(std::string token, config::ReadSecretFile(a.token_file));
      tokens.emplace_back(a.agent_id, std::move(token));
    }
    LM_ASSIGN_OR_RETURN(TokenAuthenticator auth, TokenAuthenticator::Create(tokens));
    LM_ASSIGN_OR_RETURN(std::string query_token, config::ReadSecretFile(config_.query.token_file));
    LM_RETURN_IF_ERROR(MakeDirs(config_.state_dir, 0700));

    protocol::DecodeLimits replay_limits = ReplayLimits();
    uint64_t replayed = 0;
    uint64_t unreadable = 0;
    auto spool =
        Spool::Open(SpoolOptions{.dir = config_.SpoolDir()}, [&](int64_t, std::string_view frame) {
          auto batch = protocol::DecodeBatchFrame(frame, replay_limits);
          if (!batch.ok()) {
            lm::log::Error("spool replay: unreadable frame: {}", batch.error().ToString());
            ++unreadable;
            return;
          }
          if (!index_.AddDurable(batch->identity, Sha256Hex(frame))) {
            lm::log::Error(
                "spool replay: identity {}/{}/{}-{} appears "
                "twice with different bytes",
                batch->identity.agent_id, batch->identity.boot_id, batch->identity.seq_start,
                batch->identity.seq_end);
            return;
          }
          store::IngestBatchMetrics(*batch, &store_);
          ++replayed;
        });
    if (!spool.ok()) return spool.error().WithContext("open spool");
    spool_ = std::move(spool).value();
    lm::log::Info("spool: replayed {} batches ({} series, {} samples){}", replayed,
                  store_.NumSeries(), store_.NumSamples(),
                  unreadable ? fmt::format(", {} unreadable", unreadable) : "");

    acceptor_ = std::make_unique<LocalSpoolAcceptor>(
        spool_.get(), &index_,
        [this](const protocol::Batch& b) { store::IngestBatchMetrics(b, &store_); });
    ingest_ =
        std::make_unique<IngestHandler>(std::move(auth), config_.ingest.limits, acceptor_.get());

    http::ServerOptions in;
    in.name = "ingest";
    in.listen = config_.ingest.listen;
    in.tls = http::TlsOptions{config_.ingest.tls.cert_file, config_.ingest.tls.key_file};
    in.max_body_bytes = config_.ingest.limits.max_frame_bytes;
    in.threads = 2;
    auto ingest_server = http::CreateServer(
        in,
        [this](http::Request&& r, http::Responder respond) {
          ingest_->Handle(std::move(r), std::move(respond));
        },
        [this](const http::Request& head, http::Response* reject) {
          return ingest_->CheckHeaders(head, reject);
        });
    if (!ingest_server.ok()) return ingest_server.error();
    ingest_server_ = std::move(ingest_server).value();

    api::PrometheusApiOptions api_options;
    api_options.warnings.emplace_back(kLocalOnlyWarning);
    prom_api_ = std::make_unique<api::PrometheusApi>(&store_, &engine_, api_options);
    auto wrap = [query_token](http::Handler h) {
      return api::RequireBearerToken(query_token, std::move(h));
    };
    prom_api_->Register(&router_, wrap);
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
    auto query_server = http::CreateServer(q, router_.AsHandler());
    if (!query_server.ok()) return query_server.error();
    query_server_ = std::move(query_server).value();
    return Status::Ok();
  }

  void Start() override {
    ingest_server_->Start();
    query_server_->Start();
  }

  void Stop() override {
    if (stopped_) return;
    stopped_ = true;
    if (ingest_server_) ingest_server_->Stop();
    if (query_server_) query_server_->Stop();
    if (spool_) spool_->Close();
  }

  uint16_t ingest_port() const override { return ingest_server_->port(); }
  uint16_t query_port() const override { return query_server_->port(); }

 private:
  config::CollectorConfig config_;
  store::MemStore store_;
  promql::Engine engine_;
  IdentityIndex index_;
  SpoolPtr spool_;
  std::unique_ptr<LocalSpoolAcceptor> acceptor_;
  std::unique_ptr<IngestHandler> ingest_;
  std::unique_ptr<api::PrometheusApi> prom_api_;
  http::Router router_;
  http::ServerPtr ingest_server_;
  http::ServerPtr query_server_;
  bool stopped_ = false;
};

}  // namespace

Result<std::unique_ptr<Collector>> CreateCollector(const config::CollectorConfig& config) {
  auto c = std::make_unique<CollectorImpl>(config);
  LM_RETURN_IF_ERROR(c->Init());
  return std::unique_ptr<Collector>(std::move(c));
}

}  // namespace lm::collector
