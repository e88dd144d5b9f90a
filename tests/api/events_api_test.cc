#include "api/events_api.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace lm::api {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

protocol::Batch Batch(std::string agent, uint64_t seq, double up = 1) {
  protocol::Batch b;
  b.identity = {std::move(agent), "boot", seq, seq};
  protocol::MetricSeries s;
  s.name = "lmagent_up";
  s.samples = {{1, up}};
  b.series.push_back(s);
  protocol::MetricSeries labelled;
  labelled.name = "node_load1";
  labelled.labels = {{"x", "y"}};  // labelled: not a key metric value
  labelled.samples = {{1, 9}};
  b.series.push_back(labelled);
  b.logs.resize(2);
  return b;
}

// The events (type, data) in what a stream has queued.
std::vector<std::pair<std::string, json>> Drain(SseStream& s, bool* last = nullptr) {
  bool l = false;
  std::string text = s.Poll(&l);
  if (last) *last = l;
  std::vector<std::pair<std::string, json>> out;
  size_t at = 0;
  while (at < text.size()) {
    size_t end = text.find("\n\n", at);
    std::string_view ev(text.data() + at, end - at);
    at = end + 2;
    if (ev.starts_with(":")) continue;  // comment
    std::string type;
    json data;
    size_t line_at = 0;
    while (line_at < ev.size()) {
      size_t nl = ev.find('\n', line_at);
      if (nl == std::string_view::npos) nl = ev.size();
      std::string_view line = ev.substr(line_at, nl - line_at);
      if (line.starts_with("event: ")) type = line.substr(7);
      if (line.starts_with("data: ")) data = json::parse(line.substr(6));
      line_at = nl + 1;
    }
    out.emplace_back(type, data);
  }
  return out;
}

TEST(EventHubTest, NoticesCarryCountsKeyMetricsAndPerAgentSequence) {
  EventHub hub;
  auto all = hub.Subscribe(std::nullopt, "");
  auto only_b = hub.Subscribe(std::nullopt, "b");
  hub.Publish(Batch("a", 1), 1000);
  hub.Publish(Batch("b", 1), 1001);
  hub.Publish(Batch("a", 2, 0), 1002);
  auto events = Drain(*all);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].first, "batch_accepted");
  EXPECT_EQ(events[0].second["agent_id"], "a");
  EXPECT_EQ(events[0].second["agent_seq"], 1);
  EXPECT_EQ(events[2].second["agent_seq"], 2);
  EXPECT_EQ(events[1].second["agent_seq"], 1);
  EXPECT_EQ(events[2].second["metrics"]["lmagent_up"], 0);
  EXPECT_FALSE(events[2].second["metrics"].contains("node_load1"));
  EXPECT_EQ(events[0].second["counts"]["logs"], 2);
  EXPECT_EQ(events[0].second["accepted_unix_ms"], 1000);
  EXPECT_EQ(events[0].second["epoch"], events[1].second["epoch"]);
  auto b_events = Drain(*only_b);
  ASSERT_EQ(b_events.size(), 1u);
  EXPECT_EQ(b_events[0].second["agent_id"], "b");
}

TEST(EventHubTest, LastEventIdReplaysOrReportsAGap) {
  EventHub::Options o;
  o.history = 3;
  EventHub hub(o);
  for (uint64_t i = 1; i <= 5; ++i) hub.Publish(Batch("a", i), 1000 + i);
  auto resumed = hub.Subscribe(3, "");  // ids 4 and 5 are in the history
  auto events = Drain(*resumed);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].second["event_id"], 4);
  auto too_old = hub.Subscribe(1, "");  // id 2 fell out of the history
  events = Drain(*too_old);
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[0].first, "gap");
  EXPECT_EQ(events[0].second["reason"], "history");
  auto fresh = hub.Subscribe(std::nullopt, "");
  EXPECT_TRUE(Drain(*fresh).empty());
}

TEST(EventHubTest, ASlowClientGetsAGapNotUnboundedMemory) {
  EventHub::Options o;
  o.stream.max_queued_bytes = 2000;
  EventHub hub(o);
  auto slow = hub.Subscribe(std::nullopt, "");
  for (uint64_t i = 1; i <= 50; ++i) hub.Publish(Batch("a", i), i);
  auto events = Drain(*slow);
  ASSERT_FALSE(events.empty());
  EXPECT_LT(events.size(), 50u);
  bool gap = false;
  for (auto& [type, data] : events) gap |= type == "gap" && data["reason"] == "slow_client";
  EXPECT_TRUE(gap);
  EXPECT_GT(slow->dropped(), 0u);
}

TEST(EventHubTest, CloseEndsStreamsAndCancelledOnesAreDropped) {
  EventHub hub;
  auto s = hub.Subscribe(std::nullopt, "");
  auto gone = hub.Subscribe(std::nullopt, "");
  gone->Cancel();
  hub.Publish(Batch("a", 1), 1);
  EXPECT_EQ(hub.subscribers(), 1u);
  hub.Close();
  bool last = false;
  Drain(*s, &last);
  EXPECT_TRUE(last);
  auto late = hub.Subscribe(std::nullopt, "");
  Drain(*late, &last);
  EXPECT_TRUE(last);
}

TEST(SseStreamTest, KeepAliveCommentsWhenIdle) {
  SseStream::Options o;
  o.keepalive = std::chrono::milliseconds(0);
  SseStream s(o);
  bool last = true;
  EXPECT_EQ(s.Poll(&last), ": keep-alive\n\n");
  EXPECT_FALSE(last);
  EXPECT_EQ(FormatSseEvent("7", "x", "{}"), "id: 7\nevent: x\ndata: {}\n\n");
}

}  // namespace
}  // namespace lm::api
