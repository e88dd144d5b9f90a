#include "api/logs_tail.h"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

#include "api/json_writer.h"
#include "api/logs_api_internal.h"
#include "common/random.h"
#include "http/form.h"

namespace lm::api {
namespace {

using logs_internal::kLogs;
using store::logs::Order;
using store::logs::RecordPage;
using store::logs::RecordQuery;

// "t1.<run>.<pos>"; pos -1 means "nothing delivered yet" (before the first record).
std::string MakeCursor(std::string_view run, int64_t pos) {
  return fmt::format("t1.{}.{}", run, pos);
}

bool ParseCursor(std::string_view c, std::string* run, int64_t* pos) {
  if (!c.starts_with("t1.")) return false;
  c.remove_prefix(3);
  const size_t dot = c.find('.');
  if (dot == std::string_view::npos || dot == 0) return false;
  *run = std::string(c.substr(0, dot));
  std::string_view p = c.substr(dot + 1);
  auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), *pos);
  return ec == std::errc() && ptr == p.data() + p.size() && *pos >= -1;
}

int64_t LastPosOf(const store::logs::LogStore& logs) {
  const auto p = logs.LastPos();
  return p ? static_cast<int64_t>(*p) : -1;
}

}  // namespace

struct LogTail::Subscriber {
  std::shared_ptr<SseStream> stream;
  RecordQuery query;  // the filters; order asc
  size_t limit = 100;
  int64_t pos = -1;  // delivered up to this position
};

LogTail::LogTail(const store::logs::LogStore* logs, Options options)
    : logs_(logs), options_(std::move(options)), run_(RandomHex(6)) {
  options_.stream.overflow_event = "log_tail_gap";
  options_.stream.overflow_data = R"({"reason":"slow_client"})";
  thread_ = std::thread([this] { Loop(); });
}

LogTail::~LogTail() { Close(); }

void LogTail::Notify() {
  {
    std::lock_guard lock(mu_);
    pending_ = true;
  }
  cv_.notify_one();
}

void LogTail::Close() {
  {
    std::lock_guard lock(mu_);
    if (closed_) return;
    closed_ = true;
    for (const auto& s : subscribers_) s->stream->Close();
    subscribers_.clear();
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

size_t LogTail::streams() const {
  std::lock_guard lock(mu_);
  return std::count_if(subscribers_.begin(), subscribers_.end(),
                       [](const auto& s) { return !s->stream->cancelled(); });
}

void LogTail::Loop() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return pending_ || closed_; });
    if (closed_) return;
    pending_ = false;
    std::erase_if(subscribers_, [](const auto& s) { return s->stream->cancelled(); });
    std::vector<std::shared_ptr<Subscriber>> subs = subscribers_;
    lock.unlock();
    for (const auto& s : subs) Update(*s);
    lock.lock();
  }
}

// Sends the records appended since s.pos (at most s.limit), then a gap if more were waiting.
void LogTail::Update(Subscriber& s) {
  const int64_t until = LastPosOf(*logs_);
  if (until <= s.pos) return;
  RecordQuery q = s.query;
  q.order = Order::kAsc;
  q.limit = s.limit;
  if (s.pos >= 0) q.filter.after_pos = static_cast<uint64_t>(s.pos);
  q.filter.until_pos = static_cast<uint64_t>(until);
  const RecordPage page = logs_->Query(q);
  // Everything up to `until` was visible to the query: the stream is now there, unless the
  // page could not hold every match (then the rest up to `until` is skipped: a gap).
  s.pos = until;
  if (!page.records.empty()) {
    std::string data;
    JsonWriter w(&data);
    w.BeginObject().Key("logs").BeginArray();
    for (const auto& r : page.records) logs_internal::WriteRecord(kLogs, r, w);
    const std::string cursor = MakeCursor(run_, s.pos);
    w.EndArray().Key("cursor").String(cursor).EndObject();
    s.stream->Push(FormatSseEvent(cursor, "log_tail_update", data));
  }
  if (page.more) {
    const std::string cursor = MakeCursor(run_, s.pos);
    s.stream->Push(FormatSseEvent(cursor, "log_tail_gap",
                                  fmt::format(R"({{"reason":"lag","cursor":"{}"}})", cursor)));
  }
}

http::Response LogTail::Serve(const http::Request& request) {
  logs_internal::Parsed parsed;
  if (auto err = logs_internal::Parse(request, kLogs, &parsed)) return *err;
  auto params = http::RequestParams(request);
  if (!params.ok()) return http::JsonError(400, "bad_data", params.error().message());
  std::string after_text;
  if (const std::string* a = params->Get("after"); a != nullptr && !a->empty()) {
    after_text = *a;
  } else if (std::string_view h = request.Header("last-event-id"); !h.empty()) {
    after_text = std::string(h);
  }
  auto sub = std::make_shared<Subscriber>();
  sub->query = parsed.query;
  sub->query.after.reset();
  sub->limit = std::min(parsed.query.limit, logs_internal::kMaxLimit);
  sub->stream = std::make_shared<SseStream>(options_.stream);
  const int64_t now = LastPosOf(*logs_);
  if (!after_text.empty()) {
    if (!parsed.query.filter.agent_id || !parsed.query.filter.boot_id) {
      return logs_internal::BadParam(
          "after", "resuming needs agent_id and boot_id (the stream of one agent boot)");
    }
    std::string run;
    int64_t pos = 0;
    if (!ParseCursor(after_text, &run, &pos)) {
      return logs_internal::BadParam("after", "not a cursor of /api/v1/logs/tail");
    }
    if (run == run_ && pos <= now) {
      sub->pos = pos;  // continuity: the next update starts right after it
    } else {
      // From another collector run (or the future): what came between is unknown.
      sub->pos = now;
      const std::string cursor = MakeCursor(run_, now);
      sub->stream->Push(FormatSseEvent(
          cursor, "log_tail_gap", fmt::format(R"({{"reason":"restart","cursor":"{}"}})", cursor)));
    }
  } else {
    RecordQuery snap = sub->query;
    snap.order = Order::kDesc;
    snap.limit = sub->limit;
    if (now >= 0) snap.filter.until_pos = static_cast<uint64_t>(now);
    RecordPage page = now >= 0 ? logs_->Query(snap) : RecordPage{};
    std::reverse(page.records.begin(), page.records.end());
    sub->pos = now;
    const std::string cursor = MakeCursor(run_, now);
    std::string data;
    JsonWriter w(&data);
    w.BeginObject().Key("logs").BeginArray();
    for (const auto& r : page.records) logs_internal::WriteRecord(kLogs, r, w);
    w.EndArray().Key("cursor").String(cursor).EndObject();
    sub->stream->Push(FormatSseEvent(cursor, "log_tail_snapshot", data));
  }
  // The tail follows new records whatever their time: the time range bounds the snapshot.
  sub->query.filter.max_time = std::numeric_limits<int64_t>::max();
  {
    std::lock_guard lock(mu_);
    if (closed_) {
      sub->stream->Close();
    } else {
      subscribers_.push_back(sub);
      pending_ = true;  // records may have arrived since `now`
    }
  }
  cv_.notify_one();
  http::Response r;
  r.content_type = "text/event-stream";
  r.AddHeader("Cache-Control", "no-cache");
  r.AddHeader("X-Accel-Buffering", "no");
  r.stream = sub->stream;
  return r;
}

void LogTail::Register(http::Router* router,
                       const std::function<http::Handler(http::Handler)>& wrap) {
  router->Add({"GET"}, "/api/v1/logs/tail",
              wrap([this](http::Request&& r, http::Responder respond) { respond(Serve(r)); }));
}

}  // namespace lm::api
