// Runs Prometheus-format query test scripts through the engine: the project's own scripts
// (tests/promql/testdata, which must all pass) and, when present, the upstream Prometheus
// scripts in ../shared/promqltest (reported, not gated).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "promql/engine.h"
#include "tests/promql/promqltest.h"

namespace lm::promql::testing {
namespace {

std::vector<std::string> TestFiles(const std::filesystem::path& dir) {
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() == ".test") files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

RunStats RunAll(const std::filesystem::path& dir) {
  Engine engine(EngineOptions{});
  RunStats total;
  for (const std::string& f : TestFiles(dir)) total.Merge(RunFile(f, engine));
  return total;
}

void Print(const RunStats& s) {
  std::cout << "promqltest: " << s.passed << " evals passed, " << s.failed << " failed, "
            << s.skipped << " skipped (unsupported)\n";
  std::cout << "  of the failures, " << s.parse_failures << " did not parse\n";
  for (const std::string& f : s.failures) std::cout << "  FAIL " << f << "\n";
  for (const std::string& m : s.message_mismatches) std::cout << "  message differs: " << m << "\n";
  if (std::getenv("PROMQLTEST_VERBOSE") != nullptr) {
    for (const std::string& k : s.skips) std::cout << "  skip " << k << "\n";
  }
}

TEST(PromqlTestScripts, ProjectScriptsPass) {
  RunStats s = RunAll(std::filesystem::path(LM_TEST_DATA_DIR) / "testdata");
  Print(s);
  EXPECT_GT(s.passed, 0);
  EXPECT_EQ(s.failed, 0);
  EXPECT_TRUE(s.message_mismatches.empty());
}

TEST(PromqlTestScripts, UpstreamScripts) {
  std::filesystem::path dir = std::filesystem::path(LM_SOURCE_DIR) / ".." / "shared" / "promqltest";
  if (!std::filesystem::exists(dir)) GTEST_SKIP() << dir << " not present";
  // A yardstick, not a gate (yet): report only.
  Print(RunAll(dir));
}

}  // namespace
}  // namespace lm::promql::testing
