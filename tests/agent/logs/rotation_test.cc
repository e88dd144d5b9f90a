#include "agent/logs/rotation.h"

#include <sys/stat.h>
#include <sys/time.h>

#include <string>

#include <gtest/gtest.h>

#include "agent/logs/fingerprint.h"
#include "tests/agent/logs/log_test_files.h"
#include "tests/common/temp_dir.h"

namespace lm::agent::logs {
namespace {

TEST(RotationTest, RotatedNames) {
  EXPECT_TRUE(IsRotatedName("app.log.1", "app.log"));
  EXPECT_TRUE(IsRotatedName("app.log.2.gz", "app.log"));
  EXPECT_TRUE(IsRotatedName("app.log-20261203", "app.log"));
  EXPECT_FALSE(IsRotatedName("app.log", "app.log"));
  EXPECT_FALSE(IsRotatedName("app.log.", "app.log"));
  EXPECT_FALSE(IsRotatedName("app.log-", "app.log"));
  EXPECT_FALSE(IsRotatedName("app.log_1", "app.log"));
  EXPECT_FALSE(IsRotatedName("app.logx", "app.log"));
  EXPECT_FALSE(IsRotatedName("old-app.log", "app.log"));
  EXPECT_FALSE(IsRotatedName("app.lo.1", "app.log"));
}

FilePosition PositionOf(const std::string& path, std::string_view data, uint64_t offset) {
  struct stat st = StatFile(path);
  FilePosition pos{.dev = static_cast<uint64_t>(st.st_dev),
                   .ino = static_cast<uint64_t>(st.st_ino),
                   .offset = offset};
  size_t n = std::min<uint64_t>(offset, kFingerprintBytes);
  pos.fingerprint_len = static_cast<uint32_t>(n);
  pos.fingerprint = FingerprintHash(data.substr(offset - n, n));
  return pos;
}

void SetMtime(const std::string& path, time_t seconds) {
  struct timeval times[2] = {{seconds, 0}, {seconds, 0}};
  ASSERT_EQ(::utimes(path.c_str(), times), 0);
}

TEST(RotationTest, FindsTheOldFileByIdentityAmongSiblingsOnly) {
  TempDir dir;
  std::string path = dir.Path("app.log");
  OverwriteFile(path, "a\n");
  struct stat old = StatFile(path);
  RenameFile(path, dir.Path("app.log.1"));
  OverwriteFile(path, "b\n");

  Result<std::optional<RotatedFile>> found = FindRotatedByIdentity(path, old.st_dev, old.st_ino);
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->path, dir.Path("app.log.1"));
  EXPECT_TRUE((*found)->fd.valid());
  EXPECT_EQ((*found)->ino, static_cast<uint64_t>(old.st_ino));

  RenameFile(dir.Path("app.log.1"), dir.Path("app.log_1"));
  found = FindRotatedByIdentity(path, old.st_dev, old.st_ino);
  ASSERT_TRUE(found.ok());
  EXPECT_FALSE(found->has_value());

  // A missing directory has no siblings.
  found = FindRotatedByIdentity(dir.Path("nodir/app.log"), old.st_dev, old.st_ino);
  ASSERT_TRUE(found.ok());
  EXPECT_FALSE(found->has_value());
}

TEST(RotationTest, FindsTheNewestCopyHoldingThePosition) {
  TempDir dir;
  std::string path = dir.Path("app.log");
  const std::string data = "one\ntwo\nthree\n";
  OverwriteFile(path, data);
  FilePosition pos = PositionOf(path, data, 8);
  struct stat live = StatFile(path);

  OverwriteFile(dir.Path("app.log.2"), data + "older copy\n");
  SetMtime(dir.Path("app.log.2"), 1000);
  OverwriteFile(dir.Path("app.log-1"), data);
  SetMtime(dir.Path("app.log-1"), 2000);
  OverwriteFile(dir.Path("app.log.3"), "ONE\nTWO\nthree\n");  // other bytes
  SetMtime(dir.Path("app.log.3"), 3000);
  OverwriteFile(dir.Path("app.log.4"), "one\n");  // too short
  SetMtime(dir.Path("app.log.4"), 4000);
  OverwriteFile(dir.Path("app.logcopy"), data);  // not a rotated name
  SetMtime(dir.Path("app.logcopy"), 5000);

  Result<std::optional<RotatedFile>> copy = FindRotatedCopy(path, pos, live.st_dev, live.st_ino);
  ASSERT_TRUE(copy.ok());
  ASSERT_TRUE(copy->has_value());
  EXPECT_EQ((*copy)->path, dir.Path("app.log-1"));

  // The excluded file (the truncated original) is never its own copy.
  OverwriteFile(dir.Path("app.log-1"), "x");
  OverwriteFile(dir.Path("app.log.2"), "x");
  struct stat other = StatFile(dir.Path("app.logcopy"));
  RenameFile(path, dir.Path("app.log.9"));
  copy = FindRotatedCopy(path, pos, live.st_dev, live.st_ino);
  ASSERT_TRUE(copy.ok());
  EXPECT_FALSE(copy->has_value());
  copy = FindRotatedCopy(path, pos, other.st_dev, other.st_ino);
  ASSERT_TRUE(copy.ok());
  ASSERT_TRUE(copy->has_value());
  EXPECT_EQ((*copy)->path, dir.Path("app.log.9"));
}

}  // namespace
}  // namespace lm::agent::logs
