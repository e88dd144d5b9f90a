#include "collector/import/importer.h"

#include <curl/curl.h>

#include <chrono>
#include <cstdio>
#include <mutex>
#include <thread>
#include <unordered_map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "collector/import/openmetrics_reader.h"
#include "common/sha256.h"
#include "protocol/batch_codec.h"

namespace lm::collector {
namespace {

constexpr int kMaxAttempts = 20;

// One keep-alive libcurl handle for the whole import.
class IngestClient {
 public:
  explicit IngestClient(const ImportOptions& o) : options_(o), curl_(curl_easy_init()) {}
  ~IngestClient() { curl_easy_cleanup(curl_); }

  struct Reply {
    long status = 0;
    std::string body;
    long retry_after_s = -1;
    std::string error;  // transport failure
  };

  Reply Request(const std::string& url, const std::vector<std::string>& headers,
                const std::string* body) {
    Reply r;
    curl_slist* list = nullptr;
    for (const std::string& h : headers) list = curl_slist_append(list, h.c_str());
    list = curl_slist_append(list, ("Authorization: Bearer " + options_.token).c_str());
    list = curl_slist_append(list, "Expect:");
    curl_easy_reset(curl_);
    curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(curl_, CURLOPT_CAINFO, options_.ca_file.c_str());
    curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, 60000L);
    curl_easy_setopt(curl_, CURLOPT_PROTOCOLS_STR, "https");
    if (body != nullptr) {
      curl_easy_setopt(curl_, CURLOPT_POST, 1L);
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, body->data());
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body->size()));
    }
    auto write = +[](char* p, size_t s, size_t n, void* ud) -> size_t {
      static_cast<std::string*>(ud)->append(p, s * n);
      return s * n;
    };
    auto header = +[](char* p, size_t s, size_t n, void* ud) -> size_t {
      std::string_view line(p, s * n);
      constexpr std::string_view kName = "retry-after:";
      if (line.size() > kName.size()) {
        std::string lower(line.substr(0, kName.size()));
        for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (lower == kName) {
          static_cast<Reply*>(ud)->retry_after_s =
              std::strtol(std::string(line.substr(kName.size())).c_str(), nullptr, 10);
        }
      }
      return s * n;
    };
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, write);
    curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &r.body);
    curl_easy_setopt(curl_, CURLOPT_HEADERFUNCTION, header);
    curl_easy_setopt(curl_, CURLOPT_HEADERDATA, &r);
    const CURLcode rc = curl_easy_perform(curl_);
    curl_slist_free_all(list);
    if (rc != CURLE_OK) {
      r.error = curl_easy_strerror(rc);
    } else {
      curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &r.status);
    }
    return r;
  }

 private:
  const ImportOptions& options_;
  CURL* curl_;
};

std::string LimitsUrl(const std::string& url) {
  const size_t slash = url.rfind('/');
  return url.substr(0, slash + 1) + "limits";
}

Result<std::string> FileDigest(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return ErrnoStatus(fmt::format("open {}", path), errno);
  Sha256Stream hash;
  char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) hash.Update(std::string_view(buf, n));
  const bool failed = std::ferror(f) != 0;
  std::fclose(f);
  if (failed) return IoError(fmt::format("read {}", path));
  return hash.FinishHex();
}

protocol::MetricKind KindOf(std::string_view type, std::string_view name) {
  const bool cumulative_suffix = name.ends_with("_total") || name.ends_with("_sum") ||
                                 name.ends_with("_count") || name.ends_with("_bucket");
  if (type == "counter") return protocol::MetricKind::kCounter;
  if ((type == "histogram" || type == "summary" || type == "gaugehistogram") && cumulative_suffix &&
      type != "gaugehistogram") {
    return protocol::MetricKind::kCounter;
  }
  return protocol::MetricKind::kGauge;
}

}  // namespace

Result<ImportProgress> ImportOpenMetrics(const std::string& path, const ImportOptions& o) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  LM_ASSIGN_OR_RETURN(std::string digest, FileDigest(path));
  const std::string boot_id = "import-" + digest.substr(0, 24);
  IngestClient client(o);

  // The collector's limits size the batches.
  IngestClient::Reply lr = client.Request(LimitsUrl(o.url), {}, nullptr);
  if (!lr.error.empty()) {
    return Unavailable(fmt::format("cannot reach {}: {}", o.url, lr.error));
  }
  if (lr.status != 200) {
    return FailedPrecondition(
        fmt::format("GET {} answered {}: {}", LimitsUrl(o.url), lr.status, lr.body));
  }
  nlohmann::json lj = nlohmann::json::parse(lr.body, nullptr, false);
  if (lj.is_discarded() || !lj.contains("limits")) {
    return FailedPrecondition("the collector's limits response is not understood");
  }
  const uint64_t max_series = lj["limits"].value("max_series_per_batch", 2048u);
  const uint64_t max_per_series = lj["limits"].value("max_samples_per_series", 1024u);

  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return ErrnoStatus(fmt::format("open {}", path), errno);
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> closer(f, std::fclose);

  ImportProgress progress;
  protocol::Batch batch;
  std::unordered_map<std::string, size_t> index;  // series key -> position in batch.series
  uint64_t batch_samples = 0;

  auto flush = [&]() -> Status {
    if (batch.series.empty()) return Status::Ok();
    const uint64_t seq = progress.batches + 1;
    batch.identity = {o.agent_id, boot_id, seq, seq};
    const std::string frame = protocol::EncodeBatchFrame(batch);
    const std::vector<std::string> headers = {"Content-Type: application/x-capnp",
                                              "X-Lightmetrics-Agent: " + o.agent_id,
                                              fmt::format("X-Lightmetrics-Seq-Start: {}", seq),
                                              fmt::format("X-Lightmetrics-Seq-End: {}", seq)};
    for (int attempt = 1;; ++attempt) {
      IngestClient::Reply r = client.Request(o.url, headers, &frame);
      if (r.status == 200) {
        nlohmann::json j = nlohmann::json::parse(r.body, nullptr, false);
        const bool dup = !j.is_discarded() && j.value("status", "") == "duplicate";
        (dup ? progress.duplicates : progress.accepted)++;
        break;
      }
      const bool retry = !r.error.empty() || r.status == 503;
      if (!retry) {
        return FailedPrecondition(fmt::format("batch {} (ending at line {}) refused with {}: {}",
                                              seq, progress.lines, r.status, r.body));
      }
      if (attempt == kMaxAttempts) {
        return Unavailable(fmt::format("batch {} not accepted after {} attempts: {}", seq, attempt,
                                       r.error.empty() ? r.body : r.error));
      }
      const long wait_ms =
          r.retry_after_s > 0 ? std::min(r.retry_after_s, 60L) * 1000 : 200L * attempt;
      std::this_thread::sleep_for(std::chrono::milliseconds(wait_ms));
    }
    progress.batches++;
    progress.series += batch.series.size();
    if (o.progress) o.progress(progress);
    batch.series.clear();
    index.clear();
    batch_samples = 0;
    return Status::Ok();
  };

  OpenMetricsReader reader;
  ImportedSample sample;
  std::string line;
  std::string key;
  char buf[1 << 16];
  bool more = true;
  while (more) {
    line.clear();
    // One line, however long.
    for (;;) {
      if (std::fgets(buf, sizeof buf, f) == nullptr) {
        more = false;
        break;
      }
      line += buf;
      if (!line.empty() && line.back() == '\n') {
        line.pop_back();
        break;
      }
    }
    if (!more && line.empty()) break;
    progress.lines++;
    LM_ASSIGN_OR_RETURN(OpenMetricsReader::LineKind kind, reader.Feed(line, &sample));
    if (kind == OpenMetricsReader::LineKind::kEof) break;
    if (kind != OpenMetricsReader::LineKind::kSample) continue;
    key = sample.name;
    for (const auto& l : sample.labels) key += fmt::format("\x1f{}\x1e{}", l.key, l.value);
    auto it = index.find(key);
    if (it != index.end() && batch.series[it->second].samples.size() >= max_per_series) {
      LM_RETURN_IF_ERROR(flush());
      it = index.end();
    }
    if (it == index.end()) {
      if (batch.series.size() >= max_series) LM_RETURN_IF_ERROR(flush());
      protocol::MetricSeries s;
      s.name = sample.name;
      s.labels = sample.labels;
      s.kind = KindOf(reader.TypeOf(sample.name), sample.name);
      if (s.kind == protocol::MetricKind::kCounter) {
        s.temporality = protocol::Temporality::kCumulative;
      }
      batch.series.push_back(std::move(s));
      it = index.emplace(key, batch.series.size() - 1).first;
    }
    batch.series[it->second].samples.push_back({sample.time_unix_nano, sample.value});
    progress.samples++;
    if (++batch_samples >= o.max_samples) LM_RETURN_IF_ERROR(flush());
  }
  if (!reader.done()) {
    return InvalidArgument(fmt::format("{}: the file does not end with \"# EOF\"", path));
  }
  LM_RETURN_IF_ERROR(flush());
  return progress;
}

}  // namespace lm::collector
