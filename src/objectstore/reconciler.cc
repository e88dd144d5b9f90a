#include "objectstore/reconciler.h"

#include <chrono>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "objectstore/accepted_writer.h"
#include "objectstore/manifest.h"
#include "objectstore/object_layout.h"

namespace lm::objectstore {
namespace {

constexpr size_t kMaxErrorSamples = 10;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The part of an index key after its last '/'.
std::string_view LastSegment(std::string_view key) {
  const size_t slash = key.rfind('/');
  return slash == std::string_view::npos ? key : key.substr(slash + 1);
}

// "<agent>~<boot>~<seqs>" of an identity, the common tail of both identity indexes.
std::string IdentityTail(const protocol::BatchIdentity& id) {
  return std::string(LastSegment(AcceptedByBlobKey(std::string(64, '0'), id)));
}

}  // namespace

std::string_view ReconcileStateName(ReconcileReport::State s) {
  switch (s) {
    case ReconcileReport::State::kNever:
      return "never";
    case ReconcileReport::State::kRunning:
      return "running";
    case ReconcileReport::State::kOk:
      return "ok";
    case ReconcileReport::State::kPartial:
      return "partial";
    case ReconcileReport::State::kFailed:
      return "failed";
  }
  return "unknown";
}

void Reconciler::Publish(const ReconcileReport& r) {
  std::lock_guard lock(report_mu_);
  last_ = r;
}

ReconcileReport Reconciler::LastReport() const {
  std::lock_guard lock(report_mu_);
  return last_;
}

ReconcileReport Reconciler::RunOnce(const ReconcileProgressFn& progress) {
  std::lock_guard run(run_mu_);
  ReconcileReport r;
  r.state = ReconcileReport::State::kRunning;
  r.started_unix_ms = NowMs();
  Publish(r);
  auto fail = [&](const Status& s) {
    r.errors++;
    if (r.error_samples.size() < kMaxErrorSamples) r.error_samples.push_back(s.ToString());
  };
  auto finish = [&](ReconcileReport::State state) {
    r.state = state;
    r.finished_unix_ms = NowMs();
    Publish(r);
    return r;
  };

  // Identity tail -> acceptance time (accepted-by-time), identity tail -> digest
  // (accepted-by-blob), and the digests present in raw-by-time. A frame holds its identity,
  // so a digest belongs to one identity.
  std::unordered_map<std::string, int64_t> by_time;
  std::unordered_map<std::string, std::string> by_blob;
  std::unordered_set<std::string> raw_by_time;
  Status listed = ListAll(*store_, kAcceptedByTimePrefix, "", [&](const ObjectInfo& o) {
    r.index_entries_scanned++;
    if (auto e = ParseAcceptedByTimeKey(o.key)) {
      by_time.emplace(IdentityTail(e->identity), e->accepted_unix_ms);
    }
    return true;
  });
  if (listed.ok()) {
    listed = ListAll(*store_, kAcceptedByBlobPrefix, "", [&](const ObjectInfo& o) {
      r.index_entries_scanned++;
      // <sha256>/<identity tail>
      std::string_view rest = std::string_view(o.key).substr(kAcceptedByBlobPrefix.size());
      const size_t slash = rest.find('/');
      if (slash != std::string_view::npos) {
        by_blob.emplace(rest.substr(slash + 1), rest.substr(0, slash));
      }
      return true;
    });
  }
  if (listed.ok()) {
    listed = ListAll(*store_, kRawByTimePrefix, "", [&](const ObjectInfo& o) {
      r.index_entries_scanned++;
      std::string_view tail = LastSegment(o.key);
      const size_t tilde = tail.find('~');
      if (tilde != std::string_view::npos) raw_by_time.emplace(tail.substr(tilde + 1));
      return true;
    });
  }
  if (!listed.ok()) {
    fail(listed.WithContext("list derived indexes"));
    return finish(ReconcileReport::State::kFailed);
  }

  uint64_t since_progress = 0;
  listed = ListAll(*store_, kAcceptedPrefix, "", [&](const ObjectInfo& o) {
    auto id = ParseAcceptedManifestKey(o.key);
    if (!id) return true;  // not a manifest (a stray object): ignored
    r.manifests_scanned++;
    const std::string tail = IdentityTail(*id);
    auto time = by_time.find(tail);
    auto blob = by_blob.find(tail);
    std::vector<std::string> missing;
    if (time != by_time.end() && blob != by_blob.end()) {
      // Both identity entries exist: they hold everything raw-by-time needs.
      if (!raw_by_time.count(blob->second)) {
        missing.push_back(RawByTimeKey(time->second, blob->second));
      }
    } else {
      auto text = store_->Get(o.key);
      if (!text.ok()) {
        fail(text.error().WithContext(o.key));
        return true;
      }
      auto m = DecodeManifest(*text);
      if (!m.ok()) {
        fail(m.error().WithContext(o.key));
        return true;
      }
      if (time == by_time.end()) {
        missing.push_back(AcceptedByTimeKey(m->accepted_unix_ms, m->identity));
      }
      if (blob == by_blob.end()) missing.push_back(AcceptedByBlobKey(m->sha256, m->identity));
      if (!raw_by_time.count(m->sha256)) {
        missing.push_back(RawByTimeKey(m->accepted_unix_ms, m->sha256));
      }
    }
    for (const std::string& key : missing) {
      Status s = store_->Put(key, "");
      if (s.ok()) {
        r.repairs++;
      } else {
        fail(s.WithContext(key));
      }
    }
    if (++since_progress == 1000) {
      since_progress = 0;
      Publish(r);
      if (progress) progress(r);
    }
    return true;
  });
  if (!listed.ok()) {
    fail(listed.WithContext("list accepted manifests"));
    return finish(ReconcileReport::State::kFailed);
  }
  if (progress) progress(r);
  return finish(r.errors == 0 ? ReconcileReport::State::kOk : ReconcileReport::State::kPartial);
}

}  // namespace lm::objectstore
