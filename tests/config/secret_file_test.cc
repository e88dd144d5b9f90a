#include "config/secret_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/common/temp_dir.h"
#include "tests/config/config_test_util.h"

namespace lm::config {
namespace {

using ::testing::HasSubstr;

TEST(SecretFileTest, PrivateFileIsReadAndTrimmed) {
  TempDir dir;
  WriteTestFile(dir.Path("query.token"), "  abc def \t\r\n\n", 0600);
  Result<std::string> r = ReadSecretFile(dir.Path("query.token"));
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(*r, "  abc def");
}

TEST(SecretFileTest, OwnerReadOnlyIsAccepted) {
  TempDir dir;
  WriteTestFile(dir.Path("t"), "abc", 0400);
  Result<std::string> r = ReadSecretFile(dir.Path("t"));
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(*r, "abc");
}

TEST(SecretFileTest, GroupReadableIsRefused) {
  TempDir dir;
  const std::string path = dir.Path("query.token");
  WriteTestFile(path, "abc\n", 0640);
  Result<std::string> r = ReadSecretFile(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.error().message(), "secret file " + path +
                                     " is readable or writable by group/others (mode 0640); "
                                     "chmod 600 it");
}

TEST(SecretFileTest, OtherReadableIsRefused) {
  TempDir dir;
  const std::string path = dir.Path("query.token");
  WriteTestFile(path, "abc\n", 0604);
  Result<std::string> r = ReadSecretFile(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(r.error().message(), HasSubstr("(mode 0604); chmod 600 it"));
}

TEST(SecretFileTest, GroupWritableIsRefused) {
  TempDir dir;
  WriteTestFile(dir.Path("t"), "abc\n", 0620);
  EXPECT_THAT(ReadSecretFile(dir.Path("t")).error().message(), HasSubstr("(mode 0620)"));
}

TEST(SecretFileTest, EmptyIsRefused) {
  TempDir dir;
  WriteTestFile(dir.Path("empty"), "", 0600);
  WriteTestFile(dir.Path("blank"), " \n\t\n", 0600);
  for (const char* name : {"empty", "blank"}) {
    Result<std::string> r = ReadSecretFile(dir.Path(name));
    ASSERT_FALSE(r.ok()) << name;
    EXPECT_EQ(r.error().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(r.error().message(), HasSubstr(dir.Path(name) + " is empty")) << name;
  }
}

TEST(SecretFileTest, DirectoryIsRefused) {
  TempDir dir;
  ASSERT_EQ(::mkdir(dir.Path("d").c_str(), 0700), 0);
  Result<std::string> r = ReadSecretFile(dir.Path("d"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.error().message(),
            "secret file " + dir.Path("d") + " is not a regular file (it is a directory)");
}

TEST(SecretFileTest, FifoIsRefusedWithoutBlocking) {
  TempDir dir;
  ASSERT_EQ(::mkfifo(dir.Path("f").c_str(), 0600), 0);
  Result<std::string> r = ReadSecretFile(dir.Path("f"));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message(), HasSubstr("is not a regular file (it is a FIFO)"));
}

TEST(SecretFileTest, SymlinkToPrivateFileIsFollowed) {
  TempDir dir;
  WriteTestFile(dir.Path("real"), "abc\n", 0600);
  ASSERT_EQ(::symlink(dir.Path("real").c_str(), dir.Path("link").c_str()), 0);
  Result<std::string> r = ReadSecretFile(dir.Path("link"));
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(*r, "abc");
}

TEST(SecretFileTest, MissingIsNotFound) {
  TempDir dir;
  Result<std::string> r = ReadSecretFile(dir.Path("missing"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), StatusCode::kNotFound);
  EXPECT_THAT(r.error().message(), HasSubstr(dir.Path("missing")));
}

}  // namespace
}  // namespace lm::config
