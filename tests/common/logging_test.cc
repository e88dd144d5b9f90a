#include "common/logging.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/common/temp_dir.h"

namespace lm {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;

// Runs `fn` with stderr redirected to a file and returns what was written.
template <typename Fn>
std::string CaptureStderr(Fn fn) {
  TempDir dir;
  std::string path = dir.Path("stderr");
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  int saved = ::dup(STDERR_FILENO);
  ::dup2(fd, STDERR_FILENO);
  fn();
  ::dup2(saved, STDERR_FILENO);
  ::close(saved);
  ::close(fd);
  std::FILE* f = std::fopen(path.c_str(), "r");
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  std::fclose(f);
  return out;
}

TEST(LoggingTest, LevelsFilterAndLinesHaveTimeAndLevel) {
  ASSERT_TRUE(InitLogging("warn").ok());
  std::string out = CaptureStderr([] {
    log::Debug("hidden {}", 1);
    log::Info("hidden {}", 2);
    log::Warn("shown {} {}", "warn", 3);
    log::Error("shown {}", "error");
  });
  EXPECT_THAT(out, MatchesRegex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z "
                                "warn shown warn 3\n"
                                "[0-9-]+T[0-9:.]+Z error shown error\n"));
  ASSERT_TRUE(InitLogging("debug").ok());
  EXPECT_TRUE(log::Enabled(log::Level::kDebug));
  EXPECT_THAT(CaptureStderr([] { log::Debug("now {}", "visible"); }),
              HasSubstr(" debug now visible\n"));
  ASSERT_TRUE(InitLogging("off").ok());
  EXPECT_EQ(CaptureStderr([] { log::Error("silenced"); }), "");
  ASSERT_TRUE(InitLogging("info").ok());
}

TEST(LoggingTest, UnknownLevelIsRefusedAndLeavesTheLevel) {
  ASSERT_TRUE(InitLogging("error").ok());
  Status s = InitLogging("loud");
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("unknown log level 'loud'"));
  EXPECT_FALSE(log::Enabled(log::Level::kWarn));
  EXPECT_TRUE(log::Enabled(log::Level::kError));
  ASSERT_TRUE(InitLogging("info").ok());
}

}  // namespace
}  // namespace lm
