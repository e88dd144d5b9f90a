#include "api/events_api.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "api/json_writer.h"
#include "common/random.h"
#include "http/form.h"

namespace lm::api {

const std::vector<std::string> kKeyMetrics = {"lmagent_up",
                                              "node_load1",
                                              "node_memory_MemTotal_bytes",
                                              "node_memory_MemAvailable_bytes",
                                              "lmagent_queue_filesystem_avail_bytes",
                                              "lmagent_process_resident_memory_bytes",
                                              "lightmetrics_host_processes_omitted"};

EventHub::EventHub(Options options) : options_(std::move(options)), epoch_(RandomHex(8)) {
  options_.stream.overflow_event = "gap";
  options_.stream.overflow_data = R"({"reason":"slow_client"})";
}

void EventHub::Publish(const protocol::Batch& batch, int64_t accepted_unix_ms) {
  uint64_t samples = 0;
  for (const auto& s : batch.series) samples += s.samples.size() + s.histogram_samples.size();
  std::lock_guard lock(mu_);
  if (closed_) return;
  const uint64_t id = next_id_++;
  const uint64_t agent_seq = ++agent_seq_[batch.identity.agent_id];
  std::string data;
  JsonWriter w(&data);
  w.BeginObject()
      .Key("event_id")
      .Uint(id)
      .Key("epoch")
      .String(epoch_)
      .Key("agent_id")
      .String(batch.identity.agent_id)
      .Key("boot_id")
      .String(batch.identity.boot_id)
      .Key("agent_seq")
      .Uint(agent_seq)
      .Key("seq_start")
      .Uint(batch.identity.seq_start)
      .Key("seq_end")
      .Uint(batch.identity.seq_end)
      .Key("accepted_unix_ms")
      .Int(accepted_unix_ms)
      .Key("counts")
      .BeginObject()
      .Key("series")
      .Uint(batch.series.size())
      .Key("samples")
      .Uint(samples)
      .Key("logs")
      .Uint(batch.logs.size())
      .Key("alerts")
      .Uint(batch.alerts.size())
      .EndObject()
      .Key("metrics")
      .BeginObject();
  for (const std::string& name : kKeyMetrics) {
    for (const auto& s : batch.series) {
      if (s.name != name || !s.labels.empty() || s.samples.empty()) continue;
      const double v = s.samples.back().value;
      w.Key(name);
      if (std::isfinite(v)) {
        w.Double(v);
      } else {
        w.Null();
      }
      break;
    }
  }
  w.EndObject().EndObject();
  Event e{id, batch.identity.agent_id, FormatSseEvent(std::to_string(id), "batch_accepted", data)};
  for (auto it = subscribers_.begin(); it != subscribers_.end();) {
    auto stream = it->stream.lock();
    if (!stream || stream->cancelled()) {
      it = subscribers_.erase(it);
      continue;
    }
    if (it->agent_filter.empty() || it->agent_filter == e.agent_id) stream->Push(e.text);
    ++it;
  }
  history_.push_back(std::move(e));
  while (history_.size() > options_.history) history_.pop_front();
}

std::shared_ptr<SseStream> EventHub::Subscribe(std::optional<uint64_t> last_event_id,
                                               std::string agent_filter) {
  auto stream = std::make_shared<SseStream>(options_.stream);
  std::lock_guard lock(mu_);
  if (closed_) {
    stream->Close();
    return stream;
  }
  if (last_event_id) {
    const bool covered = *last_event_id + 1 >= next_id_ ||
                         (!history_.empty() && history_.front().id <= *last_event_id + 1);
    if (!covered) stream->Push(FormatSseEvent("", "gap", R"({"reason":"history"})"));
    for (const Event& e : history_) {
      if (e.id <= *last_event_id) continue;
      if (agent_filter.empty() || agent_filter == e.agent_id) stream->Push(e.text);
    }
  }
  subscribers_.push_back({stream, std::move(agent_filter)});
  return stream;
}

void EventHub::Close() {
  std::lock_guard lock(mu_);
  closed_ = true;
  for (const Subscriber& s : subscribers_) {
    if (auto stream = s.stream.lock()) stream->Close();
  }
  subscribers_.clear();
}

size_t EventHub::subscribers() const {
  std::lock_guard lock(mu_);
  return std::count_if(subscribers_.begin(), subscribers_.end(), [](const Subscriber& s) {
    auto stream = s.stream.lock();
    return stream && !stream->cancelled();
  });
}

void EventHub::Register(http::Router* router,
                        const std::function<http::Handler(http::Handler)>& wrap) {
  router->Add(
      {"GET"}, "/api/v1/events", wrap([this](http::Request&& request, http::Responder respond) {
        auto params = http::RequestParams(request);
        if (!params.ok()) {
          respond(http::JsonError(400, "bad_data", params.error().message()));
          return;
        }
        std::optional<uint64_t> last;
        std::string_view raw = request.Header("last-event-id");
        if (const std::string* p = params->Get("last_event_id")) raw = *p;
        if (!raw.empty()) {
          uint64_t v = 0;
          auto [ptr, ec] = std::from_chars(raw.data(), raw.data() + raw.size(), v);
          if (ec != std::errc() || ptr != raw.data() + raw.size()) {
            respond(
                http::JsonError(400, "bad_data",
                                fmt::format("invalid Last-Event-ID \"{}\": not an event id", raw)));
            return;
          }
          last = v;
        }
        const std::string* agent = params->Get("agent_id");
        http::Response r;
        r.content_type = "text/event-stream";
        r.AddHeader("Cache-Control", "no-cache");
        r.AddHeader("X-Accel-Buffering", "no");
        r.stream = Subscribe(last, agent != nullptr ? *agent : "");
        respond(std::move(r));
      }));
}

}  // namespace lm::api
