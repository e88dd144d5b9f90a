// Helpers shared by the collector tests: fixture proc roots, a writable copy of one, and
// lookups of scraped series by name and labels.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>

#include "agent/collectors/collector.h"
#include "common/file_util.h"
#include "tests/common/temp_dir.h"

namespace lm::agent {

inline constexpr int64_t kNow = 1'800'000'000'000'000'000;

// The single-core-count fixture: tests/agent/fixtures/proc, captured on a 2-CPU machine.
inline std::string FixtureProc() { return std::string(LM_TEST_DATA_DIR) + "/fixtures/proc"; }
// 16 CPUs, 8 network devices and 14 processes: more than every cap.
inline std::string FixtureProcMany() {
  return std::string(LM_TEST_DATA_DIR) + "/fixtures/proc-many";
}

// A copy of a fixture proc root whose files can be replaced per test.
class ProcCopy {
 public:
  explicit ProcCopy(const std::string& from = FixtureProc()) {
    std::filesystem::copy(from, dir_.Path("proc"), std::filesystem::copy_options::recursive);
  }
  std::string root() const { return dir_.Path("proc"); }
  void Write(const std::string& name, const std::string& text) {
    ASSERT_TRUE(MakeDirs(DirName(JoinPath(root(), name))).ok());
    ASSERT_TRUE(WriteFileAtomic(JoinPath(root(), name), text).ok());
  }
  void Remove(const std::string& name) { ASSERT_TRUE(RemoveFile(JoinPath(root(), name)).ok()); }
  void Mkdir(const std::string& name) { ASSERT_TRUE(MakeDirs(JoinPath(root(), name)).ok()); }

 private:
  TempDir dir_;
};

// "name{k=v}{k=v}" with labels in emission order.
inline std::string SeriesKey(const protocol::MetricSeries& s) {
  std::string key = s.name;
  for (const auto& l : s.labels) key += "{" + l.key + "=" + l.value + "}";
  return key;
}

using SeriesMap = std::map<std::string, protocol::MetricSeries>;

inline SeriesMap ByKey(const Scrape& scrape) {
  SeriesMap out;
  for (const auto& s : scrape.series) {
    EXPECT_TRUE(out.emplace(SeriesKey(s), s).second) << "duplicate series " << SeriesKey(s);
  }
  return out;
}

// The one sample's value of series `key`, which must be sampled at kNow.
inline double Value(const SeriesMap& m, const std::string& key) {
  auto it = m.find(key);
  if (it == m.end() || it->second.samples.size() != 1) {
    ADD_FAILURE() << "no single-sample series " << key;
    return -1;
  }
  EXPECT_EQ(it->second.samples[0].time_unix_nano, kNow) << key;
  return it->second.samples[0].value;
}

// How many series are named `name`.
inline size_t CountNamed(const Scrape& scrape, const std::string& name) {
  size_t n = 0;
  for (const auto& s : scrape.series) n += s.name == name ? 1 : 0;
  return n;
}

inline Scrape CollectOnce(Collector& collector) {
  Scrape scrape;
  EXPECT_TRUE(collector.Collect(ScrapeContext{kNow}, &scrape).ok());
  return scrape;
}

}  // namespace lm::agent
