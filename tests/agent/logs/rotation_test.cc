#include "agent/logs/rotation.h"

#include <sys/stat.h>
#include <sys/time.h>

#include <string>
#include <utility>
#include <vector>

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

TEST(RotationTest, SuccessorIsTheOldestPlainFileModifiedAfterTheGivenTime) {
  TempDir dir;
  std::string path = dir.Path("app.log");
  OverwriteFile(path, "current\n");
  SetMtime(path, 9000);
  OverwriteFile(dir.Path("app.log.4"), "read already\n");
  SetMtime(dir.Path("app.log.4"), 1000);
  OverwriteFile(dir.Path("app.log.3"), "next\n");
  SetMtime(dir.Path("app.log.3"), 3000);
  OverwriteFile(dir.Path("app.log.2"), "after next\n");
  SetMtime(dir.Path("app.log.2"), 4000);
  OverwriteFile(dir.Path("app.log.9"), "");  // empty: nothing to read
  SetMtime(dir.Path("app.log.9"), 2000);
  OverwriteFile(dir.Path("app.log.3.gz"), "plain text under a compressed name\n");
  SetMtime(dir.Path("app.log.3.gz"), 2100);
  OverwriteFile(dir.Path("app.log.7"), std::string("\x1f\x8b\x08\x00 gzip bytes", 16));
  SetMtime(dir.Path("app.log.7"), 2200);
  OverwriteFile(dir.Path("app.log_1"), "not a rotated name\n");
  SetMtime(dir.Path("app.log_1"), 2300);
  OverwriteFile(dir.Path("app.log-draining"), "a draining file\n");
  SetMtime(dir.Path("app.log-draining"), 2400);
  struct stat draining = StatFile(dir.Path("app.log-draining"));
  struct stat current = StatFile(path);
  const std::vector<std::pair<uint64_t, uint64_t>> exclude = {{draining.st_dev, draining.st_ino},
                                                              {current.st_dev, current.st_ino}};

  auto successor = [&](int64_t after_seconds) -> std::string {
    Result<std::optional<RotatedFile>> found =
        FindRotatedSuccessor(path, after_seconds * 1'000'000'000, exclude);
    EXPECT_TRUE(found.ok()) << found.status().ToString();
    if (!found.ok() || !found->has_value()) return "<none>";
    EXPECT_EQ(StatFile((*found)->path).st_ino, static_cast<ino_t>((*found)->ino));
    return (*found)->path;
  };
  EXPECT_EQ(successor(1000), dir.Path("app.log.3"));
  EXPECT_EQ(successor(2999), dir.Path("app.log.3"));
  EXPECT_EQ(successor(3000), dir.Path("app.log.2"));  // strictly after
  EXPECT_EQ(successor(4000), "<none>");               // the current file is excluded
  EXPECT_EQ(successor(0), dir.Path("app.log.4"));
  EXPECT_EQ(FindRotatedSuccessor(dir.Path("nodir/app.log"), 0, {})->has_value(), false);
}

}  // namespace
}  // namespace lm::agent::logs
