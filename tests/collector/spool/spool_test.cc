#include "collector/spool/spool.h"

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>
#include <vector>

#include "collector/spool/spool_format.h"
#include "tests/common/temp_dir.h"

namespace lm::collector {
namespace {

struct Replayed {
  std::vector<std::pair<int64_t, std::string>> records;
  SpoolReplayFn Fn() {
    return [this](int64_t t, std::string_view f) { records.emplace_back(t, std::string(f)); };
  }
};

Status AppendSync(Spool& s, int64_t t, std::string_view frame) {
  std::promise<Status> p;
  s.Append(t, frame, [&](Status st) { p.set_value(st); });
  return p.get_future().get();
}

std::string Segment(const TempDir& dir, int n) {
  char name[64];
  std::snprintf(name, sizeof(name), "%016d.seg", n);
  return dir.Path(name);
}

TEST(SpoolTest, AppendAndReplayInOrder) {
  TempDir dir;
  {
    Replayed r;
    auto s = Spool::Open({.dir = dir.path()}, r.Fn());
    ASSERT_TRUE(s.ok()) << s.error().ToString();
    EXPECT_TRUE(r.records.empty());
    ASSERT_TRUE(AppendSync(**s, 1, "one").ok());
    ASSERT_TRUE(AppendSync(**s, 2, "two").ok());
  }
  Replayed r;
  auto s = Spool::Open({.dir = dir.path()}, r.Fn());
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(r.records.size(), 2u);
  EXPECT_EQ(r.records[0], (std::pair<int64_t, std::string>{1, "one"}));
  EXPECT_EQ(r.records[1], (std::pair<int64_t, std::string>{2, "two"}));
}

TEST(SpoolTest, GroupCommitSharesFsyncs) {
  TempDir dir;
  Replayed r;
  auto s = Spool::Open({.dir = dir.path()}, r.Fn());
  ASSERT_TRUE(s.ok());
  constexpr int kThreads = 8;
  constexpr int kPerThread = 50;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        if (AppendSync(**s, t, "frame-" + std::to_string(t) + "-" + std::to_string(i)).ok()) ++ok;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), kThreads * kPerThread);
  auto st = (*s)->stats();
  EXPECT_EQ(st.records_appended, uint64_t{kThreads * kPerThread});
  EXPECT_LE(st.commits, st.records_appended);
  (*s)->Close();
  Replayed again;
  ASSERT_TRUE(Spool::Open({.dir = dir.path()}, again.Fn()).ok());
  EXPECT_EQ(again.records.size(), size_t{kThreads * kPerThread});
}

TEST(SpoolTest, TornTailIsTruncatedAndReported) {
  TempDir dir;
  {
    Replayed r;
    auto s = Spool::Open({.dir = dir.path()}, r.Fn());
    ASSERT_TRUE(AppendSync(**s, 1, "complete").ok());
  }
  // Simulate a crash in the middle of the second append.
  std::string partial = EncodeSpoolRecord(2, "never acknowledged");
  {
    int fd = ::open(Segment(dir, 1).c_str(), O_WRONLY | O_APPEND);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::write(fd, partial.data(), partial.size() / 2),
              static_cast<ssize_t>(partial.size() / 2));
    ::close(fd);
  }
  Replayed r;
  auto s = Spool::Open({.dir = dir.path()}, r.Fn());
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(r.records.size(), 1u);
  EXPECT_EQ((*s)->stats().torn_tail_bytes, partial.size() / 2);
  // Appends continue at the record boundary.
  ASSERT_TRUE(AppendSync(**s, 3, "after").ok());
  (*s)->Close();
  Replayed r2;
  ASSERT_TRUE(Spool::Open({.dir = dir.path()}, r2.Fn()).ok());
  ASSERT_EQ(r2.records.size(), 2u);
  EXPECT_EQ(r2.records[1].second, "after");
}

TEST(SpoolTest, SegmentsRotateAndCorruptionInOldSegmentIsSkipped) {
  TempDir dir;
  {
    Replayed r;
    auto s = Spool::Open({.dir = dir.path(), .segment_bytes = 64}, r.Fn());
    for (int i = 0; i < 6; ++i) ASSERT_TRUE(AppendSync(**s, i, std::string(40, 'a' + i)).ok());
  }
  ASSERT_EQ(::access(Segment(dir, 2).c_str(), F_OK), 0) << "rotation must create segment 2";
  {
    // Flip a byte in the first record of segment 1.
    int fd = ::open(Segment(dir, 1).c_str(), O_RDWR);
    char c;
    ASSERT_EQ(::pread(fd, &c, 1, 30), 1);
    c ^= 1;
    ASSERT_EQ(::pwrite(fd, &c, 1, 30), 1);
    ::close(fd);
  }
  Replayed r;
  auto s = Spool::Open({.dir = dir.path(), .segment_bytes = 64}, r.Fn());
  ASSERT_TRUE(s.ok());
  EXPECT_EQ((*s)->stats().corrupt_records, 1u);
  EXPECT_LT(r.records.size(), 6u);
  EXPECT_GE(r.records.size(), 4u);
}

TEST(SpoolTest, AppendAfterCloseFails) {
  TempDir dir;
  Replayed r;
  auto s = Spool::Open({.dir = dir.path()}, r.Fn());
  (*s)->Close();
  EXPECT_EQ(AppendSync(**s, 1, "x").code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace lm::collector

namespace lm::collector {
namespace {

TEST(ReadSpoolFromTest, ReadsAcrossSegmentsFromAPositionAndStopsWhereAsked) {
  TempDir dir;
  Replayed r;
  auto s = Spool::Open({.dir = dir.path(), .segment_bytes = 64}, r.Fn());
  ASSERT_TRUE(s.ok());
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(AppendSync(**s, i, std::string(40, 'a' + i)).ok());

  std::vector<std::string> seen;
  auto end = ReadSpoolFrom(dir.path(), {}, [&](SpoolPosition, int64_t, std::string_view f) {
    seen.emplace_back(f.substr(0, 1));
    return true;
  });
  ASSERT_TRUE(end.ok()) << end.status().ToString();
  EXPECT_EQ(seen, (std::vector<std::string>{"a", "b", "c", "d", "e"}));

  // Stop before the third record: the position stays before it and resumes there.
  seen.clear();
  auto mid = ReadSpoolFrom(dir.path(), {}, [&](SpoolPosition, int64_t, std::string_view f) {
    if (f[0] == 'c') return false;
    seen.emplace_back(f.substr(0, 1));
    return true;
  });
  ASSERT_TRUE(mid.ok());
  EXPECT_EQ(seen, (std::vector<std::string>{"a", "b"}));
  seen.clear();
  auto rest = ReadSpoolFrom(dir.path(), *mid, [&](SpoolPosition, int64_t, std::string_view f) {
    seen.emplace_back(f.substr(0, 1));
    return true;
  });
  ASSERT_TRUE(rest.ok());
  EXPECT_EQ(seen, (std::vector<std::string>{"c", "d", "e"}));
  EXPECT_EQ(*rest, *end);

  // Nothing new: the same position comes back; a new record is read next time.
  auto again = ReadSpoolFrom(dir.path(), *end, [&](SpoolPosition, int64_t, std::string_view) {
    ADD_FAILURE() << "no record expected";
    return true;
  });
  EXPECT_EQ(*again, *end);
  ASSERT_TRUE(AppendSync(**s, 9, "new").ok());
  seen.clear();
  auto after_new =
      ReadSpoolFrom(dir.path(), *end, [&](SpoolPosition, int64_t t, std::string_view f) {
        EXPECT_EQ(t, 9);
        seen.emplace_back(f);
        return true;
      });
  EXPECT_EQ(seen, (std::vector<std::string>{"new"}));
  EXPECT_GT(*after_new, *end);
}

}  // namespace
}  // namespace lm::collector
