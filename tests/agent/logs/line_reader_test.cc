#include "agent/logs/line_reader.h"

#include <fcntl.h>

#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "agent/logs/fingerprint.h"
#include "tests/agent/logs/log_test_files.h"
#include "tests/common/temp_dir.h"

namespace lm::agent::logs {
namespace {

// The position after `offset` bytes of `data`, computed directly.
FilePosition PositionIn(std::string_view data, uint64_t offset, const FilePosition& file) {
  FilePosition pos = file;
  pos.offset = offset;
  size_t n = std::min<uint64_t>(offset, kFingerprintBytes);
  pos.fingerprint_len = static_cast<uint32_t>(n);
  pos.fingerprint = FingerprintHash(data.substr(offset - n, n));
  return pos;
}

struct Seen {
  std::string content;
  uint64_t length;
  bool skipped;
  FilePosition end;
};

class LineReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.Path("f.log");
    OverwriteFile(path_, "");
    struct stat st = StatFile(path_);
    file_.dev = st.st_dev;
    file_.ino = st.st_ino;
  }

  // All complete lines from `from`, with a reader of the given sizes.
  std::vector<Seen> ReadAll(uint32_t block, uint32_t hold, const FilePosition& from,
                            uint64_t* partial = nullptr) {
    UniqueFd fd(::open(path_.c_str(), O_RDONLY));
    EXPECT_TRUE(fd.valid());
    LineReader reader(block, hold);
    std::vector<Seen> out;
    Result<bool> started = reader.Start(fd.get(), from);
    EXPECT_TRUE(started.ok() && *started);
    LineReader::Line line;
    for (;;) {
      Result<bool> got = reader.Next(&line);
      EXPECT_TRUE(got.ok());
      if (!got.ok() || !*got) break;
      out.push_back({std::string(line.content), line.length, line.skipped, line.end});
    }
    if (partial != nullptr) *partial = reader.partial_bytes();
    return out;
  }

  TempDir dir_;
  std::string path_;
  FilePosition file_;
};

TEST_F(LineReaderTest, FingerprintHashIsLengthAndContentSensitive) {
  EXPECT_EQ(FingerprintHash("abc"), FingerprintHash("abc"));
  EXPECT_NE(FingerprintHash(""), FingerprintHash(std::string(1, '\0')));
  EXPECT_NE(FingerprintHash(std::string(64, 'a')), FingerprintHash(std::string(63, 'a') + "b"));
  EXPECT_NE(FingerprintHash(std::string(64, 'a')), FingerprintHash(std::string(65, 'a')));
  EXPECT_NE(FingerprintHash("12345678"), FingerprintHash("12345679"));
}

TEST_F(LineReaderTest, SplitsLinesAcrossBlocksWithExactPositions) {
  std::string data;
  std::vector<std::string> lines;
  for (int i = 0; i < 200; ++i) {
    lines.push_back(std::string(static_cast<size_t>(i % 37), static_cast<char>('a' + i % 26)));
    data += lines.back() + (i % 3 == 0 ? "\r\n" : "\n");
  }
  OverwriteFile(path_, data + "tail");
  for (uint32_t block : {1u, 7u, 64u, 1000u, 65536u}) {
    uint64_t partial = 0;
    std::vector<Seen> seen = ReadAll(block, 100, PositionIn(data, 0, file_), &partial);
    ASSERT_EQ(seen.size(), lines.size()) << block;
    uint64_t offset = 0;
    for (size_t i = 0; i < seen.size(); ++i) {
      offset += lines[i].size() + (i % 3 == 0 ? 2 : 1);
      EXPECT_EQ(seen[i].content, lines[i]) << block << " " << i;
      EXPECT_FALSE(seen[i].skipped);
      EXPECT_EQ(seen[i].end, PositionIn(data, offset, file_)) << block << " " << i;
    }
    EXPECT_EQ(partial, 4u);
  }
  // Starting in the middle verifies the fingerprint and yields the same tail.
  uint64_t middle = 0;
  for (size_t i = 0; i < 100; ++i) middle += lines[i].size() + (i % 3 == 0 ? 2 : 1);
  std::vector<Seen> rest = ReadAll(16, 100, PositionIn(data, middle, file_));
  ASSERT_EQ(rest.size(), 100u);
  EXPECT_EQ(rest[0].content, lines[100]);
}

TEST_F(LineReaderTest, SkipsLinesLongerThanTheHoldLimitWithoutBufferingThem) {
  std::string data = "short\n" + std::string(5000, 'x') + "\r\n" + std::string(30, 'y') + "\n" +
                     std::string(31, 'z') + "\r\nend\n";
  OverwriteFile(path_, data);
  for (uint32_t block : {3u, 16u, 4096u}) {
    std::vector<Seen> seen = ReadAll(block, 30, PositionIn(data, 0, file_));
    ASSERT_EQ(seen.size(), 5u) << block;
    EXPECT_EQ(seen[0].content, "short");
    EXPECT_TRUE(seen[1].skipped);
    EXPECT_EQ(seen[1].length, 5000u);  // without the '\r'
    EXPECT_EQ(seen[1].content, "");
    EXPECT_EQ(seen[1].end, PositionIn(data, 6 + 5002, file_));
    // 30 bytes fit the limit; 31 + '\r' do not, whatever the block size.
    EXPECT_FALSE(seen[2].skipped) << block;
    EXPECT_EQ(seen[2].content, std::string(30, 'y'));
    if (seen[3].skipped) {
      EXPECT_EQ(seen[3].length, 31u);
    } else {
      EXPECT_EQ(seen[3].content, std::string(31, 'z'));  // found in the same block
    }
    EXPECT_EQ(seen[4].content, "end");
    EXPECT_EQ(seen[4].end, PositionIn(data, data.size(), file_));
  }
  // An over-long incomplete line is counted, not kept.
  AppendFile(path_, std::string(100, 'p'));
  uint64_t partial = 0;
  std::vector<Seen> seen = ReadAll(8, 30, PositionIn(data, data.size(), file_), &partial);
  EXPECT_TRUE(seen.empty());
  EXPECT_EQ(partial, 100u);
}

TEST_F(LineReaderTest, StartRefusesAPositionTheFileNoLongerHolds) {
  OverwriteFile(path_, "hello\nworld\n");
  UniqueFd fd(::open(path_.c_str(), O_RDONLY));
  LineReader reader(16, 16);
  FilePosition at6 = PositionIn("hello\nworld\n", 6, file_);
  ASSERT_TRUE(*reader.Start(fd.get(), at6));
  FilePosition other = PositionIn("HELLO\nworld\n", 6, file_);
  EXPECT_FALSE(*reader.Start(fd.get(), other));
  FilePosition beyond = PositionIn("hello\nworld\nmore\n", 17, file_);
  EXPECT_FALSE(*reader.Start(fd.get(), beyond));
  EXPECT_TRUE(*FingerprintMatches(fd.get(), at6));
  EXPECT_FALSE(*FingerprintMatches(fd.get(), other));
  EXPECT_FALSE(*FingerprintMatches(fd.get(), beyond));
  // A position without fingerprint bytes must still lie within the file.
  FilePosition bare = file_;
  bare.offset = 12;
  EXPECT_TRUE(*reader.Start(fd.get(), bare));
  bare.offset = 13;
  EXPECT_FALSE(*reader.Start(fd.get(), bare));
}

}  // namespace
}  // namespace lm::agent::logs
