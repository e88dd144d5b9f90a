#include "store/logs/record_store.h"

#include <atomic>
#include <map>
#include <random>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "store/logs/alert_store.h"
#include "store/logs/log_store.h"
#include "tests/store/logs/log_gen.h"

namespace lm::store::logs {
namespace {

using protocol::Severity;

protocol::LogRecord Log(int64_t t, std::string msg, Severity sev = Severity::kInfo,
                        std::string target = "app", std::vector<protocol::Label> attrs = {}) {
  protocol::LogRecord r;
  r.time_unix_nano = t;
  r.severity = sev;
  r.target = std::move(target);
  r.message = std::move(msg);
  r.attributes = std::move(attrs);
  return r;
}

protocol::Batch Batch(std::string agent, std::string boot, uint64_t seq,
                      std::vector<protocol::LogRecord> logs) {
  protocol::Batch b;
  b.identity = {std::move(agent), std::move(boot), seq, seq};
  b.logs = std::move(logs);
  return b;
}

std::vector<std::string> Messages(const RecordPage& page) {
  std::vector<std::string> out;
  for (const auto& r : page.records) out.push_back(r.message);
  return out;
}

std::vector<std::string> Page(const LogStore& store, RecordFilter f, Order order = Order::kDesc,
                              size_t limit = 100) {
  RecordQuery q;
  q.filter = std::move(f);
  q.order = order;
  q.limit = limit;
  return Messages(store.Query(q));
}

using V = std::vector<std::string>;

class LogStoreTest : public ::testing::Test {
 protected:
  LogStoreTest() {
    store_.AppendBatch(Batch("web-1", "b1", 10,
                             {Log(100, "GET /index 200", Severity::kInfo, "http",
                                  {{"service", "web"}, {"region", "eu"}}),
                              Log(300, "disk almost full", Severity::kWarn, "disk")}));
    store_.AppendBatch(
        Batch("web-2", "b1", 7,
              {Log(200, "connection refused", Severity::kError, "net", {{"service", "api"}}),
               Log(400, "no severity", Severity::kUnspecified)}));
    store_.AppendBatch(
        Batch("web-1", "b2", 1, {Log(500, "Fatal: out of memory", Severity::kFatal, "kernel")}));
  }

  LogStore store_;
};

TEST_F(LogStoreTest, NewestFirstByDefaultWithEveryField) {
  RecordQuery q;
  RecordPage page = store_.Query(q);
  EXPECT_EQ(Messages(page), (V{"Fatal: out of memory", "no severity", "disk almost full",
                               "connection refused", "GET /index 200"}));
  EXPECT_FALSE(page.more);
  const StoredRecord& r = page.records.back();
  EXPECT_EQ(r.key.time_unix_nano, 100);
  EXPECT_EQ(r.agent_id, "web-1");
  EXPECT_EQ(r.boot_id, "b1");
  EXPECT_EQ(r.seq, 10u);
  EXPECT_EQ(r.severity, Severity::kInfo);
  EXPECT_EQ(r.name, "http");
  EXPECT_EQ(r.kvs, (std::vector<protocol::Label>{{"service", "web"}, {"region", "eu"}}));
  EXPECT_EQ(Page(store_, {}, Order::kAsc, 2), (V{"GET /index 200", "connection refused"}));
  q.limit = 2;
  EXPECT_TRUE(store_.Query(q).more);
  EXPECT_EQ(store_.OldestTime(), 100);
  EXPECT_EQ(store_.NumRecords(), 5u);
}

TEST_F(LogStoreTest, EachFilter) {
  RecordFilter f;
  f.min_time = 200;
  f.max_time = 400;  // inclusive
  EXPECT_EQ(Page(store_, f), (V{"no severity", "disk almost full", "connection refused"}));
  f = {};
  f.agent_id = "web-1";
  EXPECT_EQ(Page(store_, f), (V{"Fatal: out of memory", "disk almost full", "GET /index 200"}));
  f.boot_id = "b2";
  EXPECT_EQ(Page(store_, f), (V{"Fatal: out of memory"}));
  f.agent_id = "nobody";
  EXPECT_EQ(Page(store_, f), V{});
  f = {};
  f.severity = Severity::kError;
  EXPECT_EQ(Page(store_, f), (V{"connection refused"}));
  f = {};
  f.min_severity = Severity::kWarn;
  EXPECT_EQ(Page(store_, f), (V{"Fatal: out of memory", "disk almost full", "connection refused"}));
  f = {};
  f.name = "disk";
  EXPECT_EQ(Page(store_, f), (V{"disk almost full"}));
  f = {};
  f.kvs = {{"service", "web"}};
  EXPECT_EQ(Page(store_, f), (V{"GET /index 200"}));
  f.kvs = {{"region", "eu"}, {"service", "web"}};
  EXPECT_EQ(Page(store_, f), (V{"GET /index 200"}));
  f.kvs = {{"region", "us"}};
  EXPECT_EQ(Page(store_, f), V{});
  f = {};
  f.text = TextMatcher::Compile({{"full"}, {}, {}, false}).value();
  EXPECT_EQ(Page(store_, f), (V{"disk almost full"}));
  f.text = TextMatcher::Compile({{}, {"FATAL"}, {}, false}).value();
  EXPECT_EQ(Page(store_, f), (V{"Fatal: out of memory"}));
  f.text = TextMatcher::Compile({{}, {}, {"^(GET|POST) /"}, false}).value();
  EXPECT_EQ(Page(store_, f), (V{"GET /index 200"}));
  f.text = TextMatcher::Compile({{"o"}, {}, {"re"}, false}).value();
  EXPECT_EQ(Page(store_, f), (V{"connection refused"}));
}

TEST(LogStoreSeverityTest, UnspecifiedIsBelowTrace) {
  LogStore store;
  store.AppendBatch(Batch(
      "a", "b", 1, {Log(1, "none", Severity::kUnspecified), Log(2, "trace", Severity::kTrace)}));
  RecordFilter f;
  f.min_severity = Severity::kTrace;
  EXPECT_EQ(Page(store, f), (V{"trace"}));
  f = {};
  f.severity = Severity::kUnspecified;
  EXPECT_EQ(Page(store, f), (V{"none"}));
}

TEST(AlertStoreTest, StateNameAndLabels) {
  AlertStore store;
  protocol::Batch b;
  b.identity = {"a", "b", 3, 3};
  auto alert = [](int64_t t, std::string name, protocol::AlertState st, std::string msg,
                  std::vector<protocol::Label> labels) {
    protocol::AlertRecord r;
    r.time_unix_nano = t;
    r.name = std::move(name);
    r.state = st;
    r.severity = Severity::kWarn;
    r.message = std::move(msg);
    r.labels = std::move(labels);
    return r;
  };
  b.alerts = {
      alert(1, "DiskFull", protocol::AlertState::kFiring, "disk / at 95%", {{"dev", "sda"}}),
      alert(2, "DiskFull", protocol::AlertState::kResolved, "disk / ok", {{"dev", "sda"}}),
      alert(3, "HighLoad", protocol::AlertState::kPending, "load 12", {})};
  store.AppendBatch(b);
  RecordQuery q;
  q.filter.state = static_cast<uint8_t>(protocol::AlertState::kResolved);
  RecordPage page = store.Query(q);
  ASSERT_EQ(page.records.size(), 1u);
  EXPECT_EQ(page.records[0].message, "disk / ok");
  EXPECT_EQ(page.records[0].name, "DiskFull");
  EXPECT_EQ(page.records[0].state, static_cast<uint8_t>(protocol::AlertState::kResolved));
  EXPECT_EQ(page.records[0].kvs, (std::vector<protocol::Label>{{"dev", "sda"}}));
  q.filter = {};
  q.filter.name = "HighLoad";
  EXPECT_EQ(Messages(store.Query(q)), (V{"load 12"}));
  q.filter = {};
  q.filter.kvs = {{"dev", "sda"}};
  q.filter.text = TextMatcher::Compile({{"95%"}, {}, {}, false}).value();
  EXPECT_EQ(Messages(store.Query(q)), (V{"disk / at 95%"}));
}

TEST(RecordStoreTest, EqualTimesRankByAppendPositionAndPageExactly) {
  LogStore store(RecordStoreOptions{4});
  for (int b = 0; b < 5; ++b) {
    std::vector<protocol::LogRecord> logs;
    for (int i = 0; i < 3; ++i) logs.push_back(Log(42, "m" + std::to_string(b * 3 + i)));
    store.AppendBatch(Batch("a", "b", static_cast<uint64_t>(b), logs));
  }
  V asc, desc;
  for (int i = 0; i < 15; ++i) asc.push_back("m" + std::to_string(i));
  desc.assign(asc.rbegin(), asc.rend());
  EXPECT_EQ(Page(store, {}, Order::kAsc), asc);
  EXPECT_EQ(Page(store, {}, Order::kDesc), desc);
  for (Order order : {Order::kAsc, Order::kDesc}) {
    RecordQuery q;
    q.order = order;
    q.limit = 1;
    V got;
    while (true) {
      RecordPage page = store.Query(q);
      for (const auto& r : page.records) got.push_back(r.message);
      if (!page.more) break;
      q.after = page.records.back().key;
    }
    EXPECT_EQ(got, order == Order::kAsc ? asc : desc);
  }
}

// Batches split across chunks keep their identity; pages across many chunks (out-of-order
// times, several agents) match a brute-force sort.
TEST(RecordStoreTest, PagingAcrossChunksMatchesBruteForce) {
  LogStore store(RecordStoreOptions{50});
  std::mt19937 rng(3);
  struct Ref {
    RecordKey key;
    std::string agent, msg;
    uint64_t seq;
    Severity sev;
  };
  std::vector<Ref> all;
  uint64_t n = 0;
  for (uint64_t seq = 0; seq < 40; ++seq) {
    std::vector<protocol::LogRecord> logs;
    const std::string agent = "agent-" + std::to_string(seq % 3);
    const int count = 1 + static_cast<int>(rng() % 60);
    for (int i = 0; i < count; ++i) {
      const int64_t t = static_cast<int64_t>(rng() % 500);
      const auto sev = static_cast<Severity>(rng() % 7);
      logs.push_back(Log(t, "r" + std::to_string(n), sev));
      all.push_back({{t, ((n / 50) << 16) | (n % 50)}, agent, "r" + std::to_string(n), seq, sev});
      ++n;
    }
    store.AppendBatch(Batch(agent, "boot", seq, logs));
  }
  for (int trial = 0; trial < 40; ++trial) {
    RecordQuery q;
    q.order = trial % 2 ? Order::kAsc : Order::kDesc;
    q.limit = 1 + rng() % 40;
    if (trial % 3 == 0) q.filter.agent_id = "agent-1";
    if (trial % 4 == 0) q.filter.min_severity = Severity::kWarn;
    if (trial % 5 == 0) {
      q.filter.min_time = 100;
      q.filter.max_time = 300;
    }
    std::vector<Ref> want;
    for (const Ref& r : all) {
      if (q.filter.agent_id && r.agent != *q.filter.agent_id) continue;
      if (q.filter.min_severity != Severity::kUnspecified && r.sev < q.filter.min_severity)
        continue;
      if (r.key.time_unix_nano < q.filter.min_time || r.key.time_unix_nano > q.filter.max_time) {
        continue;
      }
      want.push_back(r);
    }
    std::sort(want.begin(), want.end(), [&](const Ref& a, const Ref& b) {
      return q.order == Order::kAsc ? a.key < b.key : a.key > b.key;
    });
    size_t i = 0;
    while (true) {
      RecordPage page = store.Query(q);
      for (const StoredRecord& r : page.records) {
        ASSERT_LT(i, want.size());
        EXPECT_EQ(r.message, want[i].msg);
        EXPECT_EQ(r.key, want[i].key);
        EXPECT_EQ(r.agent_id, want[i].agent);
        EXPECT_EQ(r.seq, want[i].seq);
        ++i;
      }
      if (!page.more) break;
      q.after = page.records.back().key;
    }
    EXPECT_EQ(i, want.size()) << trial;
  }
}

// A writer appends (times older, equal and newer than the pages being read) while a reader
// pages through: every record that existed before the first page is returned exactly once.
TEST(RecordStoreTest, CursorIsStableUnderConcurrentAppends) {
  for (Order order : {Order::kDesc, Order::kAsc}) {
    LogStore store(RecordStoreOptions{256});
    std::atomic<uint64_t> published{0};
    auto append = [&](uint64_t from, uint64_t count, std::mt19937* rng) {
      std::vector<protocol::LogRecord> logs;
      for (uint64_t i = from; i < from + count; ++i) {
        logs.push_back(Log(static_cast<int64_t>((*rng)() % 10'000), "m" + std::to_string(i)));
      }
      store.AppendBatch(Batch("a", "b", from, logs));
      published.store(from + count);
    };
    std::mt19937 rng(11);
    for (uint64_t i = 0; i < 5000; i += 50) append(i, 50, &rng);
    // Bounded, so that the reader (which also sees new records ranked after its cursor)
    // finishes.
    std::thread writer([&] {
      std::mt19937 wrng(12);
      for (uint64_t i = 5000; i < 10'000; i += 20) append(i, 20, &wrng);
    });
    const uint64_t existing = published.load();
    std::map<std::string, int> seen;
    RecordQuery q;
    q.order = order;
    q.limit = 37;
    while (true) {
      RecordPage page = store.Query(q);
      for (const auto& r : page.records) ++seen[r.message];
      if (!page.more) break;
      q.after = page.records.back().key;
    }
    writer.join();
    for (uint64_t i = 0; i < existing; ++i) {
      EXPECT_EQ(seen["m" + std::to_string(i)], 1) << i;
    }
    for (const auto& [m, count] : seen) EXPECT_EQ(count, 1) << m;
  }
}

// Several ingest threads and several readers at once (run under TSan in CI builds).
TEST(RecordStoreTest, ConcurrentWritersAndReaders) {
  LogStore store(RecordStoreOptions{300});
  std::atomic<bool> done{false};
  std::vector<std::thread> writers;
  for (int w = 0; w < 3; ++w) {
    writers.emplace_back([&store, w] {
      for (uint64_t seq = 0; seq < 60; ++seq) {
        std::vector<protocol::LogRecord> logs;
        for (int i = 0; i < 50; ++i) {
          logs.push_back(Log(static_cast<int64_t>(seq * 100 + i), "w" + std::to_string(w) + " line",
                             static_cast<Severity>(i % 7)));
        }
        store.AppendBatch(Batch("agent-" + std::to_string(w), "b", seq, logs));
      }
    });
  }
  std::vector<std::thread> readers;
  for (int r = 0; r < 2; ++r) {
    readers.emplace_back([&store, &done, r] {
      RecordQuery q;
      q.order = r == 0 ? Order::kDesc : Order::kAsc;
      q.filter.text = TextMatcher::Compile({{"line"}, {}, {}, false}).value();
      q.filter.min_severity = Severity::kWarn;
      while (!done.load()) {
        RecordPage page = store.Query(q);
        for (size_t i = 1; i < page.records.size(); ++i) {
          const bool ordered = q.order == Order::kDesc
                                   ? page.records[i - 1].key > page.records[i].key
                                   : page.records[i - 1].key < page.records[i].key;
          ASSERT_TRUE(ordered);
        }
        (void)store.Memory();
      }
    });
  }
  for (auto& t : writers) t.join();
  done.store(true);
  for (auto& t : readers) t.join();
  EXPECT_EQ(store.NumRecords(), 3u * 60 * 50);
  RecordQuery all;
  all.limit = 10'000;
  EXPECT_EQ(store.Query(all).records.size(), 9000u);
}

TEST(RecordStoreTest, MemoryPerLineAndSealedChunks) {
  LogStore store;
  testing::LogGen gen(5);
  size_t message_bytes = 0;
  const size_t n = 100'000;
  int64_t t = 0;
  for (size_t i = 0; i < n; i += 500) {
    protocol::Batch b;
    b.identity = {"agent", "boot", i, i};
    for (size_t k = 0; k < 500; ++k) {
      b.logs.push_back(gen.Record(t += 1000));
      message_bytes += b.logs.back().message.size();
    }
    store.AppendBatch(b);
  }
  const MemoryUsage m = store.Memory();
  EXPECT_EQ(m.records, n);
  EXPECT_EQ(m.message_bytes, message_bytes);
  const double overhead = double(m.total() - m.message_bytes) / n;
  EXPECT_LT(overhead, 200) << "columns " << m.column_bytes << " dictionaries " << m.dictionary_bytes
                           << " index " << m.index_bytes;
  EXPECT_GT(m.index_bytes, 0u);
  // The sealed chunk (65536 records) and the active one both answer.
  RecordFilter f;
  f.text = TextMatcher::Compile({{"declined"}, {}, {}, false}).value();
  RecordQuery q;
  q.filter = f;
  q.limit = 1000;
  q.order = Order::kAsc;
  RecordPage first = store.Query(q);
  EXPECT_EQ(first.records.size(), 1000u);
  f.min_time = 90'000'000;
  q.filter = f;
  RecordPage late = store.Query(q);
  ASSERT_FALSE(late.records.empty());
  EXPECT_GE(late.records.front().key.time_unix_nano, 90'000'000);
  EXPECT_EQ(late.records.front().key.pos >> 16, 1u);
}

TEST(RecordStoreTest, EmptyStoreAndZeroLimit) {
  LogStore store;
  EXPECT_FALSE(store.OldestTime().has_value());
  EXPECT_TRUE(store.Query({}).records.empty());
  store.AppendBatch(Batch("a", "b", 1, {Log(5, "x")}));
  RecordQuery q;
  q.limit = 0;
  EXPECT_TRUE(store.Query(q).records.empty());
  store.AppendBatch(Batch("a", "b", 2, {}));
  EXPECT_EQ(store.NumRecords(), 1u);
}

}  // namespace
}  // namespace lm::store::logs
