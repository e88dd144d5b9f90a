#include "api/logs_tail.h"

#include <chrono>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace lm::api {
namespace {

using nlohmann::json;

protocol::Batch Lines(const std::string& agent, uint64_t seq, std::vector<std::string> messages) {
  protocol::Batch b;
  b.identity = {agent, "boot-1", seq, seq};
  int64_t t = 1'700'000'000'000'000'000 + static_cast<int64_t>(seq) * 1'000'000'000;
  for (auto& m : messages) {
    protocol::LogRecord r;
    r.time_unix_nano = t++;
    r.severity = protocol::Severity::kInfo;
    r.target = "app";
    r.message = std::move(m);
    b.logs.push_back(std::move(r));
  }
  return b;
}

struct Event {
  std::string id;
  std::string type;
  json data;
};

// Reads events from the stream until `n` arrived or 5 s passed.
std::vector<Event> Read(http::BodyStream& s, size_t n) {
  std::vector<Event> out;
  std::string buf;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (out.size() < n && std::chrono::steady_clock::now() < deadline) {
    bool last = false;
    buf += s.Poll(&last);
    size_t end;
    while ((end = buf.find("\n\n")) != std::string::npos) {
      std::string ev = buf.substr(0, end);
      buf.erase(0, end + 2);
      if (ev.starts_with(":")) continue;
      Event e;
      size_t at = 0;
      while (at < ev.size()) {
        size_t nl = ev.find('\n', at);
        if (nl == std::string::npos) nl = ev.size();
        std::string line = ev.substr(at, nl - at);
        if (line.starts_with("id: ")) e.id = line.substr(4);
        if (line.starts_with("event: ")) e.type = line.substr(7);
        if (line.starts_with("data: ")) e.data = json::parse(line.substr(6));
        at = nl + 1;
      }
      out.push_back(std::move(e));
    }
    if (last) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return out;
}

std::vector<std::string> Messages(const json& logs) {
  std::vector<std::string> out;
  for (const auto& l : logs) out.push_back(l["message"]);
  return out;
}

class LogTailTest : public ::testing::Test {
 protected:
  void Append(const protocol::Batch& b) {
    store_.AppendBatch(b);
    tail_.Notify();
  }
  http::Response Open(std::string query, std::string last_event_id = "") {
    http::Request r;
    r.method = "GET";
    r.query = std::move(query);
    if (!last_event_id.empty()) r.headers.push_back({"last-event-id", last_event_id});
    return tail_.Serve(r);
  }

  store::logs::LogStore store_;
  LogTail tail_{&store_};
};

TEST_F(LogTailTest, SnapshotThenUpdatesWithFilters) {
  Append(Lines("a", 1, {"one", "two error", "three"}));
  http::Response r = Open("limit=2");
  ASSERT_TRUE(r.stream);
  EXPECT_EQ(r.content_type, "text/event-stream");
  auto snap = Read(*r.stream, 1);
  ASSERT_EQ(snap.size(), 1u);
  EXPECT_EQ(snap[0].type, "log_tail_snapshot");
  EXPECT_THAT(Messages(snap[0].data["logs"]), ::testing::ElementsAre("two error", "three"));
  EXPECT_EQ(snap[0].id, snap[0].data["cursor"]);

  http::Response errors = Open("contains=error");
  Read(*errors.stream, 1);
  Append(Lines("a", 2, {"four", "five error"}));
  auto upd = Read(*r.stream, 1);
  ASSERT_EQ(upd.size(), 1u);
  EXPECT_EQ(upd[0].type, "log_tail_update");
  EXPECT_THAT(Messages(upd[0].data["logs"]), ::testing::ElementsAre("four", "five error"));
  auto only_errors = Read(*errors.stream, 1);
  ASSERT_EQ(only_errors.size(), 1u);
  EXPECT_THAT(Messages(only_errors[0].data["logs"]), ::testing::ElementsAre("five error"));
  EXPECT_EQ(tail_.streams(), 2u);
}

TEST_F(LogTailTest, MoreThanOneUpdateHoldsIsAGap) {
  http::Response r = Open("limit=3");
  Read(*r.stream, 1);
  Append(Lines("a", 1, {"1", "2", "3", "4", "5"}));
  auto events = Read(*r.stream, 2);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].type, "log_tail_update");
  EXPECT_EQ(events[0].data["logs"].size(), 3u);
  EXPECT_EQ(events[1].type, "log_tail_gap");
  EXPECT_EQ(events[1].data["reason"], "lag");
}

TEST_F(LogTailTest, ResumeAfterACursorWithoutRepeatsOrLoss) {
  Append(Lines("a", 1, {"x1"}));
  http::Response r = Open("agent_id=a&boot_id=boot-1");
  auto snap = Read(*r.stream, 1);
  const std::string cursor = snap[0].data["cursor"];
  r.stream->Cancel();  // the client goes away
  Append(Lines("a", 2, {"x2", "x3"}));
  Append(Lines("b", 1, {"other agent"}));
  // Reconnect with the cursor (as Last-Event-ID): no snapshot, exactly what was missed.
  http::Response again = Open("agent_id=a&boot_id=boot-1", cursor);
  auto events = Read(*again.stream, 1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, "log_tail_update");
  EXPECT_THAT(Messages(events[0].data["logs"]), ::testing::ElementsAre("x2", "x3"));

  EXPECT_EQ(Open("after=" + cursor).status, 400);  // not scoped to one agent boot
  EXPECT_EQ(Open("agent_id=a&boot_id=boot-1&after=bogus").status, 400);
  http::Response foreign = Open("agent_id=a&boot_id=boot-1&after=t1.otherrun.5");
  auto gap = Read(*foreign.stream, 1);
  ASSERT_EQ(gap.size(), 1u);
  EXPECT_EQ(gap[0].type, "log_tail_gap");
  EXPECT_EQ(gap[0].data["reason"], "restart");
}

TEST_F(LogTailTest, SlowClientsGetAGapAndCloseEndsStreams) {
  LogTail::Options o;
  o.stream.max_queued_bytes = 600;
  LogTail small(&store_, o);
  http::Request req;
  req.method = "GET";
  http::Response r = small.Serve(req);
  for (uint64_t i = 1; i <= 20; ++i) {
    store_.AppendBatch(Lines("a", i, {std::string(100, 'z')}));
    small.Notify();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  auto events = Read(*r.stream, 1);
  bool gap = false;
  for (const auto& e : events) gap |= e.type == "log_tail_gap";
  EXPECT_TRUE(gap);
  small.Close();
  bool last = false;
  r.stream->Poll(&last);
  EXPECT_TRUE(last);
  EXPECT_EQ(Open("limit=0").status, 400);
}

}  // namespace
}  // namespace lm::api
