#include "api/sse_stream.h"

#include <fmt/format.h>

namespace lm::api {

std::string FormatSseEvent(std::string_view id, std::string_view type, std::string_view data) {
  std::string out;
  out.reserve(id.size() + type.size() + data.size() + 24);
  if (!id.empty()) out.append("id: ").append(id).push_back('\n');
  if (!type.empty()) out.append("event: ").append(type).push_back('\n');
  out.append("data: ").append(data).append("\n\n");
  return out;
}

SseStream::SseStream(Options options)
    : options_(std::move(options)), last_sent_(std::chrono::steady_clock::now()) {}

bool SseStream::Push(std::string event) {
  std::lock_guard lock(mu_);
  if (closed_ || cancelled_) return false;
  if (queued_.size() + event.size() > options_.max_queued_bytes) {
    // The client is too slow: what it has not read is dropped and it is told so.
    size_t events = 0;
    for (size_t at = queued_.find("\n\n"); at != std::string::npos;
         at = queued_.find("\n\n", at + 2)) {
      ++events;
    }
    dropped_ += events + 1;
    queued_ = FormatSseEvent("", options_.overflow_event, options_.overflow_data);
    return true;
  }
  queued_ += event;
  return true;
}

void SseStream::Close() {
  std::lock_guard lock(mu_);
  closed_ = true;
}

bool SseStream::cancelled() const {
  std::lock_guard lock(mu_);
  return cancelled_;
}

uint64_t SseStream::dropped() const {
  std::lock_guard lock(mu_);
  return dropped_;
}

std::string SseStream::Poll(bool* last) {
  std::lock_guard lock(mu_);
  const auto now = std::chrono::steady_clock::now();
  std::string out;
  out.swap(queued_);
  if (out.empty() && !closed_ && now - last_sent_ >= options_.keepalive) {
    out = ": keep-alive\n\n";
  }
  if (!out.empty()) last_sent_ = now;
  *last = closed_;
  return out;
}

void SseStream::Cancel() {
  std::lock_guard lock(mu_);
  cancelled_ = true;
  queued_.clear();
}

}  // namespace lm::api
