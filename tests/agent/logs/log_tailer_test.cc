#include "agent/logs/log_tailer.h"

#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/agent/logs/log_test_files.h"
#include "tests/common/temp_dir.h"

namespace lm::agent::logs {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr int64_t kNow = 1700000000123456789;
constexpr size_t kAll = 100000;

std::vector<std::string> Messages(const TailChunk& chunk) {
  std::vector<std::string> out;
  for (const protocol::LogRecord& r : chunk.records) out.push_back(r.message);
  return out;
}

std::string Attribute(const protocol::LogRecord& r, std::string_view key) {
  for (const protocol::Label& l : r.attributes) {
    if (l.key == key) return l.value;
  }
  return "<none>";
}

std::string Lines(const std::string& prefix, int from, int to) {
  std::string out;
  for (int i = from; i <= to; ++i) out += prefix + std::to_string(i) + "\n";
  return out;
}

std::vector<std::string> Names(const std::string& prefix, int from, int to) {
  std::vector<std::string> out;
  for (int i = from; i <= to; ++i) out.push_back(prefix + std::to_string(i));
  return out;
}

class LogTailerTest : public ::testing::Test {
 protected:
  std::string P(const std::string& name) const { return dir_.Path(name); }

  // Inputs as (name, file name in the temp dir).
  TailerOptions Options(std::vector<std::pair<std::string, std::string>> inputs = {
                            {"app", "app.log"}}) const {
    TailerOptions options;
    for (auto& [name, file] : inputs) options.inputs.push_back({name, P(file)});
    return options;
  }

  // Reads until nothing is left, `per_read` records at a time, continuing from
  // cursors.back() each time; returns the messages and advances `*cursor`.
  static std::vector<std::string> ReadAll(LogTailer& tailer, TailCursor* cursor,
                                          size_t per_read = kAll) {
    std::vector<std::string> out;
    for (int reads = 0; reads < 10000; ++reads) {
      TailChunk chunk = tailer.Read(*cursor, per_read, kAll * 100, kNow);
      EXPECT_THAT(chunk.errors, IsEmpty());
      for (std::string& m : Messages(chunk)) out.push_back(std::move(m));
      EXPECT_EQ(chunk.cursors.size(), chunk.records.size() + 1);
      *cursor = chunk.cursors.back();
      if (!chunk.more) break;
      EXPECT_FALSE(chunk.records.empty());
    }
    return out;
  }

  TempDir dir_;
  const std::string app_ = dir_.Path("app.log");
};

TEST_F(LogTailerTest, ReadsCompleteLinesAsRecords) {
  AppendFile(app_, "first line\nsecond\n\nlast\n");
  LogTailer tailer(Options());
  TailChunk chunk = tailer.Read(TailCursor(), kAll, kAll, kNow);
  EXPECT_THAT(chunk.errors, IsEmpty());
  EXPECT_FALSE(chunk.more);
  EXPECT_THAT(Messages(chunk), ElementsAre("first line", "second", "", "last"));
  const protocol::LogRecord& r = chunk.records[0];
  EXPECT_EQ(r.time_unix_nano, kNow);
  EXPECT_EQ(r.severity, protocol::Severity::kUnspecified);
  EXPECT_EQ(r.target, "app");
  EXPECT_THAT(r.attributes,
              ElementsAre(protocol::Label{"input", "app"}, protocol::Label{"path", app_}));

  const FilePosition& pos = chunk.cursors.back().positions().at(TailCursor::Key("app", app_));
  struct stat st = StatFile(app_);
  EXPECT_EQ(pos.dev, static_cast<uint64_t>(st.st_dev));
  EXPECT_EQ(pos.ino, static_cast<uint64_t>(st.st_ino));
  EXPECT_EQ(pos.offset, 24u);
  EXPECT_EQ(pos.fingerprint_len, 24u);

  TailChunk again = tailer.Read(chunk.cursors.back(), kAll, kAll, kNow);
  EXPECT_THAT(again.records, IsEmpty());
  EXPECT_FALSE(again.more);
  EXPECT_EQ(again.cursors.back(), chunk.cursors.back());
}

TEST_F(LogTailerTest, PartialLineIsHeldUntilItsNewlineArrives) {
  AppendFile(app_, "one\ntw");
  LogTailer tailer(Options());
  TailCursor cursor;
  EXPECT_THAT(ReadAll(tailer, &cursor), ElementsAre("one"));
  EXPECT_EQ(cursor.positions().begin()->second.offset, 4u);
  AppendFile(app_, "o and a half");
  EXPECT_THAT(ReadAll(tailer, &cursor), IsEmpty());
  AppendFile(app_, "\nthree\n");
  EXPECT_THAT(ReadAll(tailer, &cursor), ElementsAre("two and a half", "three"));
}

TEST_F(LogTailerTest, CrlfIsStripped) {
  AppendFile(app_, "dos\r\n\r\nin\rside\n\r\r\n");
  LogTailer tailer(Options());
  TailCursor cursor;
  EXPECT_THAT(ReadAll(tailer, &cursor), ElementsAre("dos", "", "in\rside", "\r"));
}

TEST_F(LogTailerTest, MaxRecordsBudgetSetsMoreAndTheNextReadContinuesExactly) {
  AppendFile(app_, Lines("line", 1, 10));
  LogTailer tailer(Options());
  TailChunk chunk = tailer.Read(TailCursor(), 3, kAll, kNow);
  EXPECT_THAT(Messages(chunk), ElementsAre("line1", "line2", "line3"));
  EXPECT_TRUE(chunk.more);
  chunk = tailer.Read(chunk.cursors.back(), 3, kAll, kNow);
  EXPECT_THAT(Messages(chunk), ElementsAre("line4", "line5", "line6"));
  EXPECT_TRUE(chunk.more);
  chunk = tailer.Read(chunk.cursors.back(), 4, kAll, kNow);
  EXPECT_THAT(Messages(chunk), ElementsAre("line7", "line8", "line9", "line10"));
  EXPECT_FALSE(chunk.more);  // the budget was met, but nothing was left

  TailCursor cursor;
  EXPECT_EQ(ReadAll(tailer, &cursor, 1), Names("line", 1, 10));
}

TEST_F(LogTailerTest, MaxBytesBudgetCountsMessageBytes) {
  AppendFile(app_, "aaaa\nbbbb\ncccc\ndddddddddddddddddddd\neeee\n");
  LogTailer tailer(Options());
  TailChunk chunk = tailer.Read(TailCursor(), kAll, 9, kNow);
  EXPECT_THAT(Messages(chunk), ElementsAre("aaaa", "bbbb"));
  EXPECT_TRUE(chunk.more);
  chunk = tailer.Read(chunk.cursors.back(), kAll, 8, kNow);
  EXPECT_THAT(Messages(chunk), ElementsAre("cccc"));
  EXPECT_TRUE(chunk.more);
  // A record larger than the whole budget still comes alone.
  chunk = tailer.Read(chunk.cursors.back(), kAll, 8, kNow);
  EXPECT_THAT(Messages(chunk), ElementsAre("dddddddddddddddddddd"));
  EXPECT_TRUE(chunk.more);
  chunk = tailer.Read(chunk.cursors.back(), kAll, 8, kNow);
  EXPECT_THAT(Messages(chunk), ElementsAre("eeee"));
  EXPECT_FALSE(chunk.more);
}

TEST_F(LogTailerTest, CursorAfterEveryRecordResumesExactlyAfterIt) {
  // Two inputs, a rename rotation with a dropped partial line and a budget-free Read, so
  // that the trail holds record-less moves between records too.
  AppendFile(app_, Lines("a", 1, 3));
  AppendFile(P("b.log"), Lines("b", 1, 2));
  LogTailer tailer(Options({{"app", "app.log"}, {"b", "b.log"}}));
  TailCursor start;
  ASSERT_EQ(ReadAll(tailer, &start, 2).size(), 5u);
  AppendFile(app_, Lines("a", 4, 6) + "partial");
  RenameFile(app_, P("app.log.1"));
  AppendFile(app_, Lines("n", 1, 3));
  AppendFile(P("b.log"), Lines("b", 3, 4));

  TailChunk chunk = tailer.Read(start, kAll, kAll * 100, kNow);
  std::vector<std::string> all = Messages(chunk);
  ASSERT_THAT(all, ElementsAre("a4", "a5", "a6", "n1", "n2", "n3", "b3", "b4"));
  ASSERT_EQ(chunk.cursors.size(), all.size() + 1);
  for (size_t k = 0; k <= all.size(); ++k) {
    std::vector<std::string> rest(all.begin() + static_cast<ptrdiff_t>(k), all.end());
    // The same tailer (files kept open) and a new one (a restart) agree.
    LogTailer fresh(Options({{"app", "app.log"}, {"b", "b.log"}}));
    for (LogTailer* t : {&tailer, &fresh}) {
      TailCursor cursor = chunk.CursorAfter(k);
      EXPECT_EQ(ReadAll(*t, &cursor), rest) << "k=" << k;
      EXPECT_EQ(cursor, chunk.cursors.back()) << "k=" << k;
    }
  }
  // Encoded and decoded cursors work the same.
  Result<TailCursor> decoded = TailCursor::Decode(chunk.CursorAfter(4).Encode());
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(Messages(tailer.Read(*decoded, kAll, kAll, kNow)),
            std::vector<std::string>(all.begin() + 4, all.end()));
}

TEST_F(LogTailerTest, RenameRotationDrainsTheOldFileFirst) {
  AppendFile(app_, Lines("old", 1, 2));
  LogTailer tailer(Options());
  TailCursor cursor;
  EXPECT_EQ(ReadAll(tailer, &cursor), Names("old", 1, 2));
  TailCursor before = cursor;
  AppendFile(app_, Lines("old", 3, 5));
  RenameFile(app_, P("app.log.1"));
  AppendFile(app_, Lines("new", 1, 2));

  std::vector<std::string> expected = Names("old", 3, 5);
  for (std::string& n : Names("new", 1, 2)) expected.push_back(n);
  EXPECT_EQ(ReadAll(tailer, &cursor, 2), expected);
  LogTailer restarted(Options());
  EXPECT_EQ(ReadAll(restarted, &before, 1), expected);
  EXPECT_EQ(before, cursor);
  EXPECT_EQ(cursor.positions().begin()->second.ino, static_cast<uint64_t>(StatFile(app_).st_ino));
}

TEST_F(LogTailerTest, RenameRotationFindsTheOldFileRotatedAgain) {
  AppendFile(app_, Lines("old", 1, 2));
  LogTailer tailer(Options());
  TailCursor cursor;
  ReadAll(tailer, &cursor);
  AppendFile(app_, Lines("old", 3, 4));
  RenameFile(app_, P("app.log.1"));
  AppendFile(app_, Lines("new", 1, 1));
  RenameFile(P("app.log.1"), P("app.log.2"));

  LogTailer restarted(Options());
  EXPECT_THAT(ReadAll(restarted, &cursor), ElementsAre("old3", "old4", "new1"));
}

TEST_F(LogTailerTest, SeveralRenameRotationsBehindReadsEveryRotatedFileInOrder) {
  AppendFile(app_, Lines("old", 1, 2));
  LogTailer tailer(Options());
  TailCursor cursor;
  ReadAll(tailer, &cursor);
  TailCursor before = cursor;
  AppendFile(app_, Lines("old", 3, 3));
  RenameFile(app_, P("app.log.1"));
  AppendFile(app_, Lines("mid", 1, 2));
  RenameFile(P("app.log.1"), P("app.log.2"));
  RenameFile(app_, P("app.log.1"));
  AppendFile(app_, Lines("new", 1, 1));
  // Last writes one second apart, as a real rotation schedule leaves them; an older
  // generation, a compressed one and an empty one sit beside them.
  SetMtime(P("app.log.2"), 1000);
  SetMtime(P("app.log.1"), 1001);
  SetMtime(app_, 1002);
  AppendFile(P("app.log.3"), Lines("ancient", 1, 1));
  SetMtime(P("app.log.3"), 999);
  AppendFile(P("app.log.4.gz"), "\x1f\x8b compressed");
  SetMtime(P("app.log.4.gz"), 1000);
  AppendFile(P("app.log.5"), "");
  SetMtime(P("app.log.5"), 1000);

  const std::vector<std::string> expected = {"old3", "mid1", "mid2", "new1"};
  LogTailer restarted(Options());
  EXPECT_EQ(ReadAll(restarted, &cursor), expected);
  // One record per Read: the position passes through the middle file and is found again.
  LogTailer one_by_one(Options());
  EXPECT_EQ(ReadAll(one_by_one, &before, 1), expected);
  const std::string key = TailCursor::Key("app", app_);
  EXPECT_EQ(before.positions().at(key), cursor.positions().at(key));
}

TEST_F(LogTailerTest, SeveralCopyTruncatesBehindReadsEveryCopyInOrder) {
  AppendFile(app_, Lines("a", 1, 2));
  LogTailer tailer(Options());
  TailCursor cursor;
  ReadAll(tailer, &cursor);
  AppendFile(app_, Lines("a", 3, 3));
  CopyTruncate(app_, P("app.log.1"));
  SetMtime(P("app.log.1"), 1000);
  AppendFile(app_, Lines("b", 1, 2));
  RenameFile(P("app.log.1"), P("app.log.2"));
  CopyTruncate(app_, P("app.log.1"));
  SetMtime(P("app.log.1"), 1001);
  AppendFile(app_, Lines("c", 1, 1));
  SetMtime(app_, 1002);

  EXPECT_THAT(ReadAll(tailer, &cursor), ElementsAre("a3", "b1", "b2", "c1"));
}

// Until the new file at the path has a complete line, the position stays at the end of
// the old one (offset 0 of the new file could not reveal a later copytruncate).
TEST_F(LogTailerTest, SwitchToTheNewFileHappensWithItsFirstLine) {
  AppendFile(app_, Lines("old", 1, 1));
  LogTailer tailer(Options());
  TailCursor cursor;
  ReadAll(tailer, &cursor);
  const std::string key = TailCursor::Key("app", app_);
  const uint64_t old_ino = StatFile(app_).st_ino;
  RenameFile(app_, P("app.log.1"));
  AppendFile(app_, "");
  EXPECT_THAT(ReadAll(tailer, &cursor), IsEmpty());
  EXPECT_EQ(cursor.positions().size(), 1u);  // not draining the old file yet
  EXPECT_EQ(cursor.positions().at(key).ino, old_ino);
  // The writer has not reopened the path yet; a partial line is not a line.
  AppendFile(P("app.log.1"), Lines("old", 2, 2));
  AppendFile(app_, "partial");
  EXPECT_THAT(ReadAll(tailer, &cursor), ElementsAre("old2"));
  EXPECT_EQ(cursor.positions().size(), 1u);
  EXPECT_EQ(cursor.positions().at(key).ino, old_ino);
  AppendFile(app_, " line\n");
  EXPECT_THAT(ReadAll(tailer, &cursor), ElementsAre("partial line"));
  EXPECT_EQ(cursor.positions().at(key).ino, static_cast<uint64_t>(StatFile(app_).st_ino));
  EXPECT_EQ(cursor.positions().size(), 2u);  // the old file drains now
}

// The agent stops right after a rename rotation, before the new file has a line; while it
// is stopped the new file fills up and is copytruncated. The copy is read on restart.
TEST_F(LogTailerTest, CopyTruncateOfTheNewFileWhileStoppedLosesNothing) {
  AppendFile(app_, Lines("old", 1, 2));
  LogTailer tailer(Options());
  TailCursor cursor;
  ReadAll(tailer, &cursor);
  RenameFile(app_, P("app.log.1"));
  AppendFile(app_, "");
  EXPECT_THAT(ReadAll(tailer, &cursor), IsEmpty());

  AppendFile(app_, Lines("mid", 1, 2));
  RenameFile(P("app.log.1"), P("app.log.2"));
  CopyTruncate(app_, P("app.log.1"));
  AppendFile(app_, Lines("new", 1, 1));
  SetMtime(P("app.log.2"), 1000);
  SetMtime(P("app.log.1"), 1001);
  SetMtime(app_, 1002);
  LogTailer restarted(Options());
  EXPECT_THAT(ReadAll(restarted, &cursor), ElementsAre("mid1", "mid2", "new1"));
}

TEST_F(LogTailerTest, RotatedNamesWithADashSuffixAreFound) {
  AppendFile(app_, Lines("old", 1, 1));
  LogTailer tailer(Options());
  TailCursor cursor;
  ReadAll(tailer, &cursor);
  AppendFile(app_, Lines("old", 2, 3));
  RenameFile(app_, P("app.log-20261203"));
  AppendFile(app_, Lines("new", 1, 1));
  LogTailer restarted(Options());
  EXPECT_THAT(ReadAll(restarted, &cursor), ElementsAre("old2", "old3", "new1"));
}

TEST_F(LogTailerTest, RenamedOutsideTheRotatedNamesIsLostAndTheNewFileReadFromZero) {
  AppendFile(app_, Lines("old", 1, 1));
  LogTailer tailer(Options());
  TailCursor cursor;
  ReadAll(tailer, &cursor);
  AppendFile(app_, Lines("old", 2, 3));
  RenameFile(app_, P("app.log_1"));
  AppendFile(P("old-app.log"), Lines("old", 2, 3));
  AppendFile(app_, Lines("new", 1, 2));
  LogTailer restarted(Options());
  EXPECT_THAT(ReadAll(restarted, &cursor), ElementsAre("new1", "new2"));
}

TEST_F(LogTailerTest, LostOldFileRestartsAtZero) {
  AppendFile(app_, Lines("old", 1, 1));
  LogTailer tailer(Options());
  TailCursor cursor;
  ReadAll(tailer, &cursor);
  TailCursor before = cursor;
  AppendFile(app_, Lines("old", 2, 2));
  RenameFile(app_, P("app.log.1"));
  ASSERT_EQ(::unlink(P("app.log.1").c_str()), 0);
  AppendFile(app_, Lines("new", 1, 2));

  LogTailer restarted(Options());
  EXPECT_THAT(ReadAll(restarted, &before), ElementsAre("new1", "new2"));
  // The tailer that still holds the deleted file open drains it first.
  EXPECT_THAT(ReadAll(tailer, &cursor), ElementsAre("old2", "new1", "new2"));
}

TEST_F(LogTailerTest, LostOldFileWithoutSuccessorForgetsThePosition) {
  AppendFile(app_, Lines("old", 1, 1));
  LogTailer tailer(Options());
  TailCursor cursor;
  ReadAll(tailer, &cursor);
  ASSERT_EQ(::unlink(app_.c_str()), 0);
  LogTailer restarted(Options());
  EXPECT_THAT(ReadAll(restarted, &cursor), IsEmpty());
  EXPECT_TRUE(cursor.positions().empty());
  AppendFile(app_, Lines("new", 1, 1));
  EXPECT_THAT(ReadAll(restarted, &cursor), ElementsAre("new1"));
}

TEST_F(LogTailerTest, DeletedFileIsDrainedThenReleased) {
  AppendFile(app_, Lines("old", 1, 1));
  LogTailer tailer(Options());
  TailCursor cursor;
  ReadAll(tailer, &cursor);
  AppendFile(app_, Lines("old", 2, 2) + "cut");
  ASSERT_EQ(::unlink(app_.c_str()), 0);
  // The kept descriptor still reads the deleted file; then the position is dropped.
  EXPECT_THAT(ReadAll(tailer, &cursor), ElementsAre("old2"));
  EXPECT_TRUE(cursor.positions().empty());
  AppendFile(app_, Lines("new", 1, 1));
  EXPECT_THAT(ReadAll(tailer, &cursor), ElementsAre("new1"));
}

TEST_F(LogTailerTest, WhileThePathIsMissingTheOldFileIsStillReadWithItsPartialLine) {
  AppendFile(app_, Lines("old", 1, 1));
  LogTailer tailer(Options());
  TailCursor cursor;
  ReadAll(tailer, &cursor);
  RenameFile(app_, P("app.log.1"));
  AppendFile(P("app.log.1"), "old2\nold");  // the writer has not reopened yet
  LogTailer restarted(Options());
  EXPECT_THAT(ReadAll(restarted, &cursor), ElementsAre("old2"));
  AppendFile(P("app.log.1"), "3\nold4 partial");
  EXPECT_THAT(ReadAll(restarted, &cursor), ElementsAre("old3"));
  AppendFile(app_, Lines("new", 1, 1));
  EXPECT_THAT(ReadAll(restarted, &cursor), ElementsAre("new1"));
}

TEST_F(LogTailerTest, CopyTruncateWithShorterNewContent) {
  AppendFile(app_, Lines("line", 1, 5));
  LogTailer tailer(Options());
  TailCursor cursor;
  ReadAll(tailer, &cursor);
  TailCursor before = cursor;
  AppendFile(app_, Lines("line", 6, 7));
  CopyTruncate(app_, P("app.log.1"));
  AppendFile(app_, "n1\n");

  LogTailer restarted(Options());
  EXPECT_THAT(ReadAll(restarted, &before, 1), ElementsAre("line6", "line7", "n1"));
  EXPECT_THAT(ReadAll(tailer, &cursor), ElementsAre("line6", "line7", "n1"));
  // Both end at the same place in the truncated file. The restarted tailer, interrupted by
  // its budget inside the copy, later saw the copy as a file rotated away by rename and keeps
  // it as a draining position until rotate_wait_ms passes; that holds no unread line.
  const std::string key = TailCursor::Key("app", app_);
  ASSERT_TRUE(cursor.positions().count(key));
  ASSERT_TRUE(before.positions().count(key));
  EXPECT_EQ(cursor.positions().at(key), before.positions().at(key)) << cursor.Encode() << "\n"
                                                                    << before.Encode();
  for (const auto& [k, pos] : before.positions()) {
    if (k == key) continue;
    EXPECT_TRUE(TailCursor::IsDrainKeyOf(k, key)) << k;
  }
}

TEST_F(LogTailerTest, CopyTruncateWithNewContentGrownBeyondTheOffset) {
  AppendFile(app_, Lines("line", 1, 5));
  LogTailer tailer(Options());
  TailCursor cursor;
  ReadAll(tailer, &cursor);
  AppendFile(app_, Lines("line", 6, 7) + "cut");
  CopyTruncate(app_, P("app.log.1"));
  AppendFile(app_, Lines("fresh", 1, 20));
  ASSERT_GT(static_cast<uint64_t>(StatFile(app_).st_size),
            cursor.positions().begin()->second.offset);

  std::vector<std::string> expected = {"line6", "line7"};
  for (std::string& n : Names("fresh", 1, 20)) expected.push_back(n);
  EXPECT_EQ(ReadAll(tailer, &cursor, 3), expected);
}

TEST_F(LogTailerTest, CopyTruncateToANonRotatedNameLosesTheCopy) {
  AppendFile(app_, Lines("line", 1, 5));
  LogTailer tailer(Options());
  TailCursor cursor;
  ReadAll(tailer, &cursor);
  AppendFile(app_, Lines("line", 6, 7));
  CopyTruncate(app_, P("app.log_old"));
  AppendFile(app_, "n1\n");
  EXPECT_THAT(ReadAll(tailer, &cursor), ElementsAre("n1"));
}

TEST_F(LogTailerTest, ChangedDeviceNumbersWithTheSameBytesContinueAtTheOffset) {
  AppendFile(app_, Lines("a long enough line number ", 1, 5));
  LogTailer tailer(Options());
  TailCursor cursor;
  ReadAll(tailer, &cursor);
  AppendFile(app_, "after\n");
  cursor.mutable_positions().begin()->second.dev ^= 0x55;
  LogTailer restarted(Options());
  EXPECT_THAT(ReadAll(restarted, &cursor), ElementsAre("after"));
  EXPECT_EQ(cursor.positions().begin()->second.dev, static_cast<uint64_t>(StatFile(app_).st_dev));
}

TEST_F(LogTailerTest, MissingFileIsNotAnErrorAndIsReadFromZeroOnceItAppears) {
  LogTailer tailer(Options());
  EXPECT_TRUE(tailer.CheckInputs().ok());
  TailChunk chunk = tailer.Read(TailCursor(), kAll, kAll, kNow);
  EXPECT_THAT(chunk.records, IsEmpty());
  EXPECT_THAT(chunk.errors, IsEmpty());
  EXPECT_FALSE(chunk.more);
  EXPECT_TRUE(chunk.cursors.back().positions().empty());
  AppendFile(app_, Lines("x", 1, 2));
  TailCursor cursor = chunk.cursors.back();
  EXPECT_THAT(ReadAll(tailer, &cursor), ElementsAre("x1", "x2"));
}

TEST_F(LogTailerTest, ADirectoryIsAnErrorWhileOtherInputsAreStillRead) {
  ASSERT_EQ(::mkdir(P("dir.log").c_str(), 0755), 0);
  AppendFile(app_, Lines("ok", 1, 1));
  AppendFile(P("b.log"), Lines("b", 1, 1));
  LogTailer tailer(Options({{"app", "app.log"}, {"d", "dir.log"}, {"b", "b.log"}}));
  Status check = tailer.CheckInputs();
  EXPECT_EQ(check.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(check.message(), HasSubstr(P("dir.log")));
  EXPECT_THAT(check.message(), HasSubstr("not a regular file"));

  TailChunk chunk = tailer.Read(TailCursor(), kAll, kAll, kNow);
  EXPECT_THAT(Messages(chunk), ElementsAre("ok1", "b1"));
  ASSERT_EQ(chunk.errors.size(), 1u);
  EXPECT_THAT(chunk.errors[0].message(), HasSubstr("log input d"));
  EXPECT_THAT(chunk.errors[0].message(), HasSubstr("not a regular file"));
  EXPECT_EQ(chunk.cursors.back().positions().count(TailCursor::Key("d", P("dir.log"))), 0u);
}

TEST_F(LogTailerTest, OversizedLineBecomesOneOmissionMarker) {
  TailerOptions options = Options();
  options.max_message_bytes = 10;
  std::string big(25, 'x');
  AppendFile(app_, "0123456789\r\n" + big + "\nafter\n");
  LogTailer tailer(options);
  TailChunk chunk = tailer.Read(TailCursor(), kAll, kAll, kNow);
  ASSERT_EQ(chunk.records.size(), 3u);
  EXPECT_EQ(chunk.records[0].message, "0123456789");
  // The marker itself is cut to max_message_bytes.
  EXPECT_EQ(chunk.records[1].message, "[lightmetr");
  EXPECT_EQ(Attribute(chunk.records[1], "omitted_bytes"), "25");
  EXPECT_EQ(chunk.records[2].message, "after");
  EXPECT_EQ(chunk.CursorAfter(2).positions().begin()->second.offset, 12u + 26u);

  options.max_message_bytes = 100;
  AppendFile(app_, std::string(101, 'y') + "\n");
  LogTailer roomy(options);
  TailCursor cursor = chunk.cursors.back();
  TailChunk next = roomy.Read(cursor, kAll, kAll, kNow);
  ASSERT_EQ(next.records.size(), 1u);
  EXPECT_EQ(next.records[0].message,
            "[lightmetrics: log line of 101 bytes omitted: longer than max_message_bytes (100)]");
  EXPECT_EQ(Attribute(next.records[0], "omitted_bytes"), "101");
  EXPECT_THAT(next.records[0].attributes, ::testing::SizeIs(3));
}

TEST_F(LogTailerTest, LineLongerThanTheWindowBecomesAMarkerOnceComplete) {
  TailerOptions options = Options();
  options.max_message_bytes = 100000;
  options.max_line_window = 64;
  options.read_block_bytes = 16;
  AppendFile(app_, "short\n" + std::string(65, 'w') + "\n" + std::string(10000, 'v'));
  LogTailer tailer(options);
  TailCursor cursor;
  TailChunk chunk = tailer.Read(cursor, kAll, kAll, kNow);
  ASSERT_EQ(chunk.records.size(), 2u);
  EXPECT_EQ(chunk.records[0].message, "short");
  EXPECT_EQ(chunk.records[1].message,
            "[lightmetrics: log line of 65 bytes omitted: longer than the 64-byte line window]");
  EXPECT_EQ(Attribute(chunk.records[1], "omitted_bytes"), "65");
  // The long line has no newline yet: nothing of it is read, its start is kept.
  cursor = chunk.cursors.back();
  EXPECT_EQ(cursor.positions().begin()->second.offset, 6u + 66u);
  AppendFile(app_, std::string(5000, 'v') + "\r\nend\n");
  chunk = tailer.Read(cursor, kAll, kAll, kNow);
  ASSERT_EQ(chunk.records.size(), 2u);
  EXPECT_EQ(Attribute(chunk.records[0], "omitted_bytes"), "15000");
  EXPECT_EQ(chunk.records[1].message, "end");
}

TEST_F(LogTailerTest, InvalidUtf8IsReplacedAndMarked) {
  AppendFile(app_, "ok \xff\xfe!\nh\xc3\xa9llo\n");
  LogTailer tailer(Options());
  TailChunk chunk = tailer.Read(TailCursor(), kAll, kAll, kNow);
  ASSERT_EQ(chunk.records.size(), 2u);
  EXPECT_EQ(chunk.records[0].message, "ok \xEF\xBF\xBD\xEF\xBF\xBD!");
  EXPECT_EQ(Attribute(chunk.records[0], "encoding"), "utf8_lossy");
  EXPECT_EQ(chunk.records[1].message, "h\xc3\xa9llo");
  EXPECT_EQ(Attribute(chunk.records[1], "encoding"), "<none>");

  // Replacement that outgrows max_message_bytes becomes a marker.
  TailerOptions options = Options();
  options.max_message_bytes = 100;
  AppendFile(app_, std::string(60, '\xff') + "\n");
  LogTailer small(options);
  TailChunk next = small.Read(chunk.cursors.back(), kAll, kAll, kNow);
  ASSERT_EQ(next.records.size(), 1u);
  EXPECT_THAT(next.records[0].message, HasSubstr("log line of 60 bytes omitted"));
  EXPECT_EQ(Attribute(next.records[0], "omitted_bytes"), "60");
}

TEST_F(LogTailerTest, PartialLineAtTheEndOfARotatedFileIsDroppedWhenMovingOn) {
  AppendFile(app_, "done\nhalf a li");
  LogTailer tailer(Options());
  TailCursor cursor;
  EXPECT_THAT(ReadAll(tailer, &cursor), ElementsAre("done"));
  RenameFile(app_, P("app.log.1"));
  AppendFile(app_, "ne\nnext\n");
  EXPECT_THAT(ReadAll(tailer, &cursor), ElementsAre("ne", "next"));
}

TEST_F(LogTailerTest, MultipleInputsAreReadInConfiguredOrder) {
  AppendFile(P("z.log"), Lines("z", 1, 3));
  AppendFile(P("a.log"), Lines("a", 1, 3));
  LogTailer tailer(Options({{"zed", "z.log"}, {"ay", "a.log"}}));
  TailCursor cursor;
  EXPECT_THAT(ReadAll(tailer, &cursor, 2), ElementsAre("z1", "z2", "z3", "a1", "a2", "a3"));
  EXPECT_EQ(cursor.positions().size(), 2u);
  AppendFile(P("a.log"), Lines("a", 4, 4));
  AppendFile(P("z.log"), Lines("z", 4, 4));
  TailChunk chunk = tailer.Read(cursor, kAll, kAll, kNow);
  EXPECT_THAT(Messages(chunk), ElementsAre("z4", "a4"));
  EXPECT_EQ(chunk.records[1].target, "ay");
}

}  // namespace
}  // namespace lm::agent::logs

namespace lm::agent::logs {
namespace {

class DrainingTest : public ::testing::Test {
 protected:
  TailerOptions Options(uint32_t rotate_wait_ms, size_t max_draining = 8) const {
    TailerOptions options;
    options.inputs.push_back({"app", app_});
    options.rotate_wait_ms = rotate_wait_ms;
    options.max_draining_files = max_draining;
    return options;
  }
  // One Read of everything at `now_ms`; advances `*cursor`.
  static std::vector<std::string> ReadAt(LogTailer& tailer, TailCursor* cursor, int64_t now_ms) {
    TailChunk chunk = tailer.Read(*cursor, kAll, kAll * 100, now_ms * 1'000'000);
    EXPECT_THAT(chunk.errors, IsEmpty());
    EXPECT_FALSE(chunk.more);
    *cursor = chunk.cursors.back();
    return Messages(chunk);
  }
  size_t Draining(const TailCursor& cursor) const {
    const std::string key = TailCursor::Key("app", app_);
    size_t n = 0;
    for (const auto& [k, pos] : cursor.positions()) n += TailCursor::IsDrainKeyOf(k, key);
    return n;
  }

  TempDir dir_;
  const std::string app_ = dir_.Path("app.log");
};

constexpr int64_t kMs = 1700000000000;

TEST_F(DrainingTest, LinesAppendedToTheRenamedFileAfterTheSwitchAreStillRead) {
  AppendFile(app_, Lines("old", 1, 1));
  LogTailer tailer(Options(5000));
  TailCursor cursor;
  EXPECT_THAT(ReadAt(tailer, &cursor, kMs), ElementsAre("old1"));
  RenameFile(app_, dir_.Path("app.log.1"));
  AppendFile(app_, Lines("new", 1, 1));
  EXPECT_THAT(ReadAt(tailer, &cursor, kMs + 10), ElementsAre("new1"));
  EXPECT_EQ(Draining(cursor), 1u);
  // The writer has not reopened yet: it appends to the renamed file.
  AppendFile(dir_.Path("app.log.1"), Lines("old", 2, 3));
  AppendFile(app_, Lines("new", 2, 2));
  EXPECT_THAT(ReadAt(tailer, &cursor, kMs + 20), ElementsAre("old2", "old3", "new2"));

  // A restarted agent takes the draining file from the cursor's text form.
  Result<TailCursor> decoded = TailCursor::Decode(cursor.Encode());
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, cursor);
  AppendFile(dir_.Path("app.log.1"), Lines("old", 4, 4));
  LogTailer restarted(Options(5000));
  EXPECT_THAT(ReadAt(restarted, &*decoded, kMs + 30), ElementsAre("old4"));
  EXPECT_EQ(Draining(*decoded), 1u);

  // Idle for rotate_wait_ms since it last grew: the drain ends.
  EXPECT_THAT(ReadAt(restarted, &*decoded, kMs + 30 + 4999), IsEmpty());
  EXPECT_EQ(Draining(*decoded), 1u);
  EXPECT_THAT(ReadAt(restarted, &*decoded, kMs + 30 + 5000), IsEmpty());
  EXPECT_EQ(Draining(*decoded), 0u);
  AppendFile(dir_.Path("app.log.1"), Lines("old", 5, 5));
  EXPECT_THAT(ReadAt(restarted, &*decoded, kMs + 6000), IsEmpty());
}

TEST_F(DrainingTest, ZeroWaitLeavesTheRenamedFileAtOnce) {
  AppendFile(app_, Lines("old", 1, 1));
  LogTailer tailer(Options(0));
  TailCursor cursor;
  ReadAt(tailer, &cursor, kMs);
  AppendFile(app_, Lines("old", 2, 2));
  RenameFile(app_, dir_.Path("app.log.1"));
  AppendFile(app_, Lines("new", 1, 1));
  EXPECT_THAT(ReadAt(tailer, &cursor, kMs), ElementsAre("old2", "new1"));
  EXPECT_EQ(Draining(cursor), 0u);
  AppendFile(dir_.Path("app.log.1"), Lines("old", 3, 3));
  EXPECT_THAT(ReadAt(tailer, &cursor, kMs), IsEmpty());
}

TEST_F(DrainingTest, ADeletedDrainingFileEndsItsDrainAfterItsLastLines) {
  AppendFile(app_, Lines("old", 1, 1));
  LogTailer tailer(Options(5000));
  TailCursor cursor;
  ReadAt(tailer, &cursor, kMs);
  RenameFile(app_, dir_.Path("app.log.1"));
  AppendFile(app_, Lines("new", 1, 1));
  ReadAt(tailer, &cursor, kMs);
  ASSERT_EQ(Draining(cursor), 1u);
  AppendFile(dir_.Path("app.log.1"), Lines("old", 2, 2));
  ASSERT_EQ(::unlink(dir_.Path("app.log.1").c_str()), 0);
  // The open descriptor still reads what was written before the delete.
  EXPECT_THAT(ReadAt(tailer, &cursor, kMs + 1), ElementsAre("old2"));
  EXPECT_EQ(Draining(cursor), 0u);
}

TEST_F(DrainingTest, AtMostMaxDrainingFilesPerInput) {
  LogTailer tailer(Options(60000, 2));
  TailCursor cursor;
  for (int i = 1; i <= 4; ++i) {
    AppendFile(app_, Lines("gen", i, i));
    EXPECT_THAT(ReadAt(tailer, &cursor, kMs + i), ElementsAre("gen" + std::to_string(i)));
    // Keep every rotated generation findable under its own rotated name.
    RenameFile(app_, dir_.Path("app.log." + std::to_string(i)));
  }
  AppendFile(app_, Lines("gen", 5, 5));
  EXPECT_THAT(ReadAt(tailer, &cursor, kMs + 5), ElementsAre("gen5"));
  EXPECT_EQ(Draining(cursor), 2u);
  // The two newest generations are still drained; the older ones are not.
  AppendFile(dir_.Path("app.log.1"), "late1\n");
  AppendFile(dir_.Path("app.log.4"), "late4\n");
  EXPECT_THAT(ReadAt(tailer, &cursor, kMs + 6), ElementsAre("late4"));
}

}  // namespace
}  // namespace lm::agent::logs
