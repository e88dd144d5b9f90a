// GET /api/v1/logs/tail: a live stream (server-sent events) of accepted log records.
//
// Parameters: the filters of /api/v1/logs (see logs_api.h; `end`, `order` and `cursor` do
// not apply), and
//   limit  1..1000, default 100: the size of the snapshot and the most records per update.
//   after  the cursor of a previous tail event (also taken from the Last-Event-ID header) to
//          resume without a snapshot; only together with agent_id and boot_id, so that the
//          resumed stream is one agent boot's log.
// Events (each carries `id: <cursor>`):
//   log_tail_snapshot {"logs":[...],"cursor":"..."}  the newest `limit` matching records
//                                                    (oldest first), sent first
//   log_tail_update   {"logs":[...],"cursor":"..."}  matching records accepted since, in
//                                                    time order
//   log_tail_gap      {"reason":...,"cursor":"..."}  continuity cannot be proven: "lag" (more
//                     records arrived than one update holds; the rest were skipped),
//                     "slow_client" (the client did not read fast enough; updates were
//                     dropped), "restart" (the cursor is from an earlier collector run).
//                     Repair with /api/v1/logs over the interval.
// A cursor is "t1.<run>.<position>": how far in this collector run's acceptance order the
// stream has delivered. Keep-alive comments every 15 s; streams end cleanly on shutdown.
//
// Thread safe. Updates are computed on one background thread, woken by Notify.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "api/sse_stream.h"
#include "http/router.h"
#include "store/logs/log_store.h"

namespace lm::api {

class LogTail {
 public:
  struct Options {
    SseStream::Options stream;
  };

  // `logs` must outlive this object.
  LogTail(const store::logs::LogStore* logs, Options options);
  explicit LogTail(const store::logs::LogStore* logs) : LogTail(logs, Options{}) {}
  ~LogTail();

  // Registers GET /api/v1/logs/tail, wrapped by `wrap`.
  void Register(http::Router* router, const std::function<http::Handler(http::Handler)>& wrap);

  // Tells the streams that log records were appended.
  void Notify();

  // Ends every stream and stops the background thread. Idempotent.
  void Close();

  size_t streams() const;

  // Serves one request (for tests and the route).
  http::Response Serve(const http::Request& request);

 private:
  struct Subscriber;
  void Loop();
  void Update(Subscriber& s);

  const store::logs::LogStore* logs_;
  Options options_;
  std::string run_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool pending_ = false;
  bool closed_ = false;
  std::vector<std::shared_ptr<Subscriber>> subscribers_;
  std::thread thread_;
};

}  // namespace lm::api
