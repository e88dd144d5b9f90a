#include "common/file_util.h"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "tests/common/temp_dir.h"

namespace lm {
namespace {

TEST(FileUtilTest, AtomicWriteReplacesAndSetsMode) {
  TempDir dir;
  std::string path = dir.Path("a.txt");
  mode_t old = ::umask(0);
  ASSERT_TRUE(WriteFileAtomic(path, "one", 0600).ok());
  ::umask(old);
  ASSERT_TRUE(WriteFileAtomic(path, "two", 0600).ok());
  auto r = ReadFile(path);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, "two");
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto names = ListDir(dir.path());
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(names->size(), 1u) << "no temp file may be left behind";
}

TEST(FileUtilTest, ReadMissingIsNotFound) {
  TempDir dir;
  auto r = ReadFile(dir.Path("missing"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), StatusCode::kNotFound);
}

TEST(FileUtilTest, MakeDirsNestedAndIdempotent) {
  TempDir dir;
  std::string p = dir.Path("x/y/z");
  ASSERT_TRUE(MakeDirs(p, 0700).ok());
  ASSERT_TRUE(MakeDirs(p, 0700).ok());
  struct stat st;
  ASSERT_EQ(::stat(p.c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  ASSERT_TRUE(WriteFileAtomic(dir.Path("file"), "x").ok());
  EXPECT_FALSE(MakeDirs(dir.Path("file"), 0700).ok());
}

TEST(FileUtilTest, PathHelpers) {
  EXPECT_EQ(DirName("/a/b/c"), "/a/b");
  EXPECT_EQ(DirName("c"), ".");
  EXPECT_EQ(DirName("/c"), "/");
  EXPECT_EQ(JoinPath("a/", "/b"), "a/b");
  EXPECT_EQ(JoinPath("a", "b"), "a/b");
}

TEST(FileUtilTest, PreadPastEndIsDataLoss) {
  TempDir dir;
  std::string path = dir.Path("f");
  ASSERT_TRUE(WriteFileAtomic(path, "abc").ok());
  UniqueFd fd(::open(path.c_str(), O_RDONLY));
  char buf[8];
  EXPECT_TRUE(PreadAll(fd.get(), buf, 3, 0, path).ok());
  EXPECT_EQ(PreadAll(fd.get(), buf, 4, 0, path).code(), StatusCode::kDataLoss);
}

}  // namespace
}  // namespace lm
