// GET /api/v1/events: a server-sent-events stream of accepted-batch notices. Not a durable
// journal: a notice tells a client (the console) that new data arrived and what it
// summarises; anything missed is repaired by querying persisted data.
//
// Each notice is an event
//   id: <event id>
//   event: batch_accepted
//   data: {"event_id":N,"epoch":"<collector run id>","agent_id":..,"boot_id":..,
//          "agent_seq":K,"seq_start":..,"seq_end":..,"accepted_unix_ms":..,
//          "counts":{"series":..,"samples":..,"logs":..,"alerts":..},
//          "metrics":{"lmagent_up":1,"node_load1":0.42,...}}
// `agent_seq` counts this collector run's notices per agent (1, 2, ...): a client that sees
// it jump for an agent missed notices and should query the interval again. `epoch`
// changes when the collector restarts (numbering starts over). `metrics` holds the latest
// value of a few key unlabelled metrics the batch carries (see kKeyMetrics).
//
// Parameters: agent_id (only that agent's notices); Last-Event-ID header or last_event_id
// parameter: replay the notices after that id when they are still among the last
// `history` notices, else a `gap` event first ({"reason":"history"}). A client too slow to
// keep up gets a `gap` event ({"reason":"slow_client"}) in place of what it missed.
// Keep-alive comments every 15 s. On shutdown every stream ends cleanly.
//
// Thread safe.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "api/sse_stream.h"
#include "http/router.h"
#include "protocol/batch.h"

namespace lm::api {

class EventHub {
 public:
  struct Options {
    size_t history = 1024;  // notices kept for Last-Event-ID replay
    SseStream::Options stream;
  };

  explicit EventHub(Options options);
  EventHub() : EventHub(Options{}) {}

  // Publishes the notice of an accepted batch, accepted at `accepted_unix_ms`.
  void Publish(const protocol::Batch& batch, int64_t accepted_unix_ms);

  // A new subscriber's stream (see the file comment for the parameters).
  std::shared_ptr<SseStream> Subscribe(std::optional<uint64_t> last_event_id,
                                       std::string agent_filter);

  // Ends every stream and refuses new subscribers (they get an ended stream).
  void Close();

  // Registers GET /api/v1/events, wrapped by `wrap`.
  void Register(http::Router* router, const std::function<http::Handler(http::Handler)>& wrap);

  size_t subscribers() const;

 private:
  struct Event {
    uint64_t id;
    std::string agent_id;
    std::string text;  // framed
  };
  struct Subscriber {
    std::weak_ptr<SseStream> stream;
    std::string agent_filter;
  };

  Options options_;
  std::string epoch_;
  mutable std::mutex mu_;
  bool closed_ = false;
  uint64_t next_id_ = 1;
  std::unordered_map<std::string, uint64_t> agent_seq_;
  std::deque<Event> history_;
  std::vector<Subscriber> subscribers_;
};

// The unlabelled metrics whose latest values go into notices.
extern const std::vector<std::string> kKeyMetrics;

}  // namespace lm::api
