// A server-sent-events body (text/event-stream) fed by a producer: events and comments are
// queued as already framed text and handed to the HTTP server when it polls (see
// http::BodyStream). The queue is bounded: when a slow client lets it grow past its limit,
// the queued events are dropped and replaced by one event of type `overflow_event` (the
// producer's gap signal), and further events are accepted again. A keep-alive comment is
// produced when nothing was sent for `keepalive`. Close() ends the body after what is
// queued. Thread safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "http/message.h"

namespace lm::api {

// One SSE event as text: "id: <id>\nevent: <type>\ndata: <data>\n\n" (id omitted when
// empty; `data` must not contain newlines: JSON without raw newlines).
std::string FormatSseEvent(std::string_view id, std::string_view type, std::string_view data);

class SseStream : public http::BodyStream {
 public:
  struct Options {
    size_t max_queued_bytes = 1 << 20;
    std::chrono::milliseconds keepalive{15000};
    // The event sent in place of dropped ones: its type and data.
    std::string overflow_event = "gap";
    std::string overflow_data = "{}";
  };

  explicit SseStream(Options options);

  // Queues a framed event (FormatSseEvent). False once the stream is closed or cancelled
  // (the producer should drop it).
  bool Push(std::string event);
  // Ends the body after the queued events.
  void Close();
  // True after the server stopped serving the body.
  bool cancelled() const;
  // Events dropped because the client was too slow.
  uint64_t dropped() const;

  std::string Poll(bool* last) override;
  void Cancel() override;

 private:
  Options options_;
  mutable std::mutex mu_;
  std::string queued_;
  bool closed_ = false;
  bool cancelled_ = false;
  uint64_t dropped_ = 0;
  std::chrono::steady_clock::time_point last_sent_;
};

}  // namespace lm::api
