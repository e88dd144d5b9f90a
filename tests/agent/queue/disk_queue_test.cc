#include "agent/queue/disk_queue.h"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>

#include "agent/queue/record_format.h"
#include "common/file_util.h"
#include "tests/agent/test_frames.h"
#include "tests/common/temp_dir.h"

namespace lm::agent {
namespace {

constexpr uint64_t kBig = 1 << 20;
constexpr uint64_t kReserve = kDefaultSeqReservation;

class DiskQueueTest : public ::testing::Test {
 protected:
  std::string QueueDir() const { return tmp_.Path("queue"); }

  DiskQueuePtr OpenQueue(uint64_t max_bytes = kBig, uint64_t reservation = kReserve) {
    auto q = DiskQueue::Open(QueueDir(), max_bytes, reservation);
    EXPECT_TRUE(q.ok()) << q.status().ToString();
    return q.ok() ? std::move(q).value() : nullptr;
  }

  // Enqueues a one-seq batch at the queue's next_seq and returns its identity.
  protocol::BatchIdentity EnqueueNext(DiskQueue* q, size_t padding = 0) {
    protocol::BatchIdentity id = q->NextIdentity("agent-a");
    Status s = q->Enqueue(TestFrame(id, padding), id);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return id;
  }

  std::string RecordPath(uint64_t seq) const { return JoinPath(QueueDir(), RecordFileName(seq)); }

  uint64_t StateNextSeq() const {
    auto text = ReadFile(JoinPath(QueueDir(), "state"));
    EXPECT_TRUE(text.ok());
    return nlohmann::json::parse(*text).at("next_seq").get<uint64_t>();
  }

  // The state file's inode. A rewrite creates its temp file while the old state still
  // exists, so one rewrite always changes it.
  ino_t StateInode() const {
    struct stat st {};
    EXPECT_EQ(::stat(JoinPath(QueueDir(), "state").c_str(), &st), 0);
    return st.st_ino;
  }

  // Peeks the oldest batch, expects it to be `id` and removes it (an acknowledged upload).
  void UploadOldest(DiskQueue* q, const protocol::BatchIdentity& id) {
    auto peek = q->Peek();
    ASSERT_TRUE(peek.ok() && peek->has_value());
    EXPECT_EQ((*peek)->identity, id);
    Status s = q->Remove(id);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  std::vector<std::string> CorruptFiles() const {
    auto names = ListDir(JoinPath(QueueDir(), "corrupt"));
    return names.ok() ? *names : std::vector<std::string>{};
  }

  TempDir tmp_;
};

TEST_F(DiskQueueTest, NewQueueHasBootIdAndStartsAtOne) {
  DiskQueuePtr q = OpenQueue();
  EXPECT_EQ(q->boot_id().size(), 36u);
  EXPECT_EQ(q->next_seq(), 1u);
  EXPECT_EQ(q->Size(), 0u);
  EXPECT_EQ(q->Bytes(), 0u);
  auto peek = q->Peek();
  ASSERT_TRUE(peek.ok());
  EXPECT_FALSE(peek->has_value());
  EXPECT_EQ(StateNextSeq(), 1u);
}

TEST_F(DiskQueueTest, FifoOrderAndRecordNames) {
  DiskQueuePtr q = OpenQueue();
  std::vector<protocol::BatchIdentity> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(EnqueueNext(q.get()));
  EXPECT_EQ(q->Size(), 3u);
  EXPECT_TRUE(std::filesystem::exists(JoinPath(QueueDir(), "00000000000000000001.rec")));
  for (const auto& id : ids) {
    auto peek = q->Peek();
    ASSERT_TRUE(peek.ok()) << peek.status().ToString();
    ASSERT_TRUE(peek->has_value());
    EXPECT_EQ((*peek)->identity, id);
    EXPECT_EQ((*peek)->frame, TestFrame(id));
    ASSERT_TRUE(q->Remove(id).ok());
  }
  EXPECT_EQ(q->Size(), 0u);
  EXPECT_EQ(q->Bytes(), 0u);
}

TEST_F(DiskQueueTest, BytesCountHeadersAndFrames) {
  DiskQueuePtr q = OpenQueue();
  protocol::BatchIdentity id = EnqueueNext(q.get());
  EXPECT_EQ(q->Bytes(), kRecordHeaderBytes + TestFrame(id).size());
  EXPECT_EQ(std::filesystem::file_size(RecordPath(1)), q->Bytes());
}

TEST_F(DiskQueueTest, ReopenKeepsBootIdRecordsAndSequence) {
  std::string boot_id;
  {
    DiskQueuePtr q = OpenQueue();
    boot_id = q->boot_id();
    EnqueueNext(q.get());
    EnqueueNext(q.get());
  }
  DiskQueuePtr q = OpenQueue();
  EXPECT_EQ(q->boot_id(), boot_id);
  EXPECT_EQ(q->Size(), 2u);
  // Enqueue does not write the state file; the records carry the sequence forward.
  EXPECT_EQ(StateNextSeq(), 1u);
  EXPECT_EQ(q->next_seq(), 3u);
  auto peek = q->Peek();
  ASSERT_TRUE(peek.ok() && peek->has_value());
  EXPECT_EQ((*peek)->identity.seq_start, 1u);
}

TEST_F(DiskQueueTest, SequenceNeverRepeatsAfterRemoveAndReopen) {
  {
    DiskQueuePtr q = OpenQueue();
    auto a = EnqueueNext(q.get());
    auto b = EnqueueNext(q.get());
    ASSERT_TRUE(q->Remove(a).ok());
    // The state was advanced, a block ahead, before the first record was unlinked.
    EXPECT_EQ(StateNextSeq(), 3u + kReserve);
    ASSERT_TRUE(q->Remove(b).ok());
    EXPECT_EQ(StateNextSeq(), 3u + kReserve);
  }
  const uint64_t reopened = 3u + kReserve;  // 3 .. reopened - 1 stay unused: a gap
  {
    DiskQueuePtr q = OpenQueue();
    EXPECT_EQ(q->Size(), 0u);
    EXPECT_EQ(q->next_seq(), reopened);
    auto c = EnqueueNext(q.get());
    EXPECT_EQ(c.seq_start, reopened);
  }
  DiskQueuePtr q = OpenQueue();
  EXPECT_EQ(q->next_seq(), reopened + 1);
}

TEST_F(DiskQueueTest, RemovingAnOlderRecordNeedsNoStateWrite) {
  DiskQueuePtr q = OpenQueue();
  auto a = EnqueueNext(q.get());
  auto b = EnqueueNext(q.get());
  ASSERT_TRUE(q->Remove(b).ok());
  EXPECT_EQ(StateNextSeq(), 3u + kReserve);
  const ino_t state = StateInode();
  auto c = EnqueueNext(q.get());
  ASSERT_TRUE(q->Remove(a).ok());  // seq 1 < persisted next_seq
  EXPECT_EQ(StateInode(), state);
  ASSERT_TRUE(q->Remove(c).ok());  // seq 3 too: it is in the reserved block
  EXPECT_EQ(StateInode(), state);
  EXPECT_EQ(StateNextSeq(), 3u + kReserve);
}

TEST_F(DiskQueueTest, StateIsRewrittenOncePerReservedBlock) {
  DiskQueuePtr q = OpenQueue(kBig, /*reservation=*/4);
  UploadOldest(q.get(), EnqueueNext(q.get()));  // seq 1: the state did not cover it
  EXPECT_EQ(StateNextSeq(), 2u + 4u);
  const ino_t block = StateInode();
  for (uint64_t seq = 2; seq <= 5; ++seq) {
    auto id = EnqueueNext(q.get());
    ASSERT_EQ(id.seq_start, seq);
    UploadOldest(q.get(), id);
    EXPECT_EQ(StateInode(), block) << "seq " << seq << " is in the reserved block";
  }
  UploadOldest(q.get(), EnqueueNext(q.get()));  // seq 6 is past the block
  EXPECT_NE(StateInode(), block);
  EXPECT_EQ(StateNextSeq(), 7u + 4u);
}

TEST_F(DiskQueueTest, ZeroReservationAdvancesStateExactlyPastTheRecord) {
  DiskQueuePtr q = OpenQueue(kBig, /*reservation=*/0);
  for (uint64_t seq = 1; seq <= 3; ++seq) {
    UploadOldest(q.get(), EnqueueNext(q.get()));
    EXPECT_EQ(StateNextSeq(), seq + 1);
  }
  q.reset();
  EXPECT_EQ(OpenQueue(kBig, 0)->next_seq(), 4u);
}

TEST_F(DiskQueueTest, ReservationSaturatesAtTheEndOfTheSequenceSpace) {
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  std::string boot_id;
  {
    DiskQueuePtr q = OpenQueue();
    boot_id = q->boot_id();
  }
  nlohmann::json state = {{"format", 1}, {"boot_id", boot_id}, {"next_seq", kMax - 2}};
  ASSERT_TRUE(WriteFileAtomic(JoinPath(QueueDir(), "state"), state.dump()).ok());
  {
    DiskQueuePtr q = OpenQueue();
    ASSERT_EQ(q->next_seq(), kMax - 2);
    UploadOldest(q.get(), EnqueueNext(q.get()));
    EXPECT_EQ(StateNextSeq(), kMax);
  }
  DiskQueuePtr q = OpenQueue();
  EXPECT_EQ(q->next_seq(), kMax);
  protocol::BatchIdentity id = q->NextIdentity("agent-a");
  EXPECT_EQ(q->Enqueue(TestFrame(id), id).code(), StatusCode::kResourceExhausted);
}

// A simulated crash after each step of Remove: every sequence number ever handed out keeps
// one content; a record whose unlink was lost is uploaded again unchanged.
TEST_F(DiskQueueTest, CrashesWithStateReservedAheadNeverReuseSequenceNumbers) {
  std::map<uint64_t, std::string> used;  // seq -> frame, over all "processes"
  std::string boot_id;
  auto enqueue = [&](DiskQueue* q, size_t padding) {
    protocol::BatchIdentity id = q->NextIdentity("agent-a");
    EXPECT_EQ(id.boot_id, boot_id);
    EXPECT_EQ(used.count(id.seq_start), 0u) << "seq " << id.seq_start << " reused";
    std::string frame = TestFrame(id, padding);  // the padding makes each content unique
    EXPECT_TRUE(q->Enqueue(frame, id).ok());
    used[id.seq_start] = frame;
    return id;
  };
  {
    DiskQueuePtr q = OpenQueue(kBig, /*reservation=*/3);
    boot_id = q->boot_id();
  }
  size_t padding = 0;
  for (int round = 0; round < 12; ++round) {
    DiskQueuePtr q = OpenQueue(kBig, 3);
    ASSERT_EQ(q->boot_id(), boot_id);
    // Whatever survived is re-uploaded with the content it had.
    for (;;) {
      auto peek = q->Peek();
      ASSERT_TRUE(peek.ok());
      if (!peek->has_value()) break;
      ASSERT_EQ(used.count((*peek)->identity.seq_start), 1u);
      EXPECT_EQ((*peek)->frame, used[(*peek)->identity.seq_start]);
      ASSERT_TRUE(q->Remove((*peek)->identity).ok());
    }
    EXPECT_GT(q->next_seq(), used.empty() ? 0 : used.rbegin()->first);
    // Queue a few, acknowledge some of them, then "crash" in one of three ways.
    std::vector<protocol::BatchIdentity> ids;
    for (int i = 0; i < 1 + round % 4; ++i) ids.push_back(enqueue(q.get(), ++padding));
    const uint64_t newest = ids.back().seq_start;
    const std::string newest_record = *ReadFile(RecordPath(newest));
    for (const auto& id : ids) UploadOldest(q.get(), id);
    q.reset();
    switch (round % 3) {
      case 0:  // every step reached the disk
        break;
      case 1:  // the last unlink was lost (it was never fsynced)
        ASSERT_TRUE(WriteFileAtomic(RecordPath(newest), newest_record, 0600).ok());
        break;
      case 2:  // the state file is lost: a new sequence space starts
        ASSERT_TRUE(RemoveFile(JoinPath(QueueDir(), "state")).ok());
        used.clear();
        {
          DiskQueuePtr fresh = OpenQueue(kBig, 3);
          boot_id = fresh->boot_id();
        }
        break;
    }
  }
}

TEST_F(DiskQueueTest, CrashAfterStateWriteBeforeUnlinkReuploadsButNeverReusesSeq) {
  std::string record;
  {
    DiskQueuePtr q = OpenQueue();
    auto a = EnqueueNext(q.get());
    record = *ReadFile(RecordPath(1));
    ASSERT_TRUE(q->Remove(a).ok());
  }
  // Put the record back as if the unlink had not reached the disk.
  ASSERT_TRUE(WriteFileAtomic(RecordPath(1), record).ok());
  DiskQueuePtr q = OpenQueue();
  EXPECT_EQ(q->Size(), 1u);
  EXPECT_EQ(q->next_seq(), 2u + kReserve);
  UploadOldest(q.get(), TestIdentity(q->boot_id(), 1));  // answered duplicate, then removed
  EXPECT_EQ(q->Size(), 0u);
}

TEST_F(DiskQueueTest, LostStateStartsNewBootIdPastQueuedRecords) {
  std::string old_boot;
  {
    DiskQueuePtr q = OpenQueue();
    old_boot = q->boot_id();
    for (int i = 0; i < 3; ++i) EnqueueNext(q.get());
  }
  ASSERT_TRUE(RemoveFile(JoinPath(QueueDir(), "state")).ok());
  DiskQueuePtr q = OpenQueue();
  EXPECT_NE(q->boot_id(), old_boot);
  EXPECT_EQ(q->next_seq(), 4u);
  EXPECT_EQ(q->Size(), 3u);
  auto peek = q->Peek();
  ASSERT_TRUE(peek.ok() && peek->has_value());
  EXPECT_EQ((*peek)->identity.boot_id, old_boot);  // queued batches keep their identity
}

TEST_F(DiskQueueTest, CorruptStateIsMovedAsideAndReplaced) {
  std::string old_boot;
  {
    DiskQueuePtr q = OpenQueue();
    old_boot = q->boot_id();
  }
  ASSERT_TRUE(WriteFileAtomic(JoinPath(QueueDir(), "state"), "{not json").ok());
  DiskQueuePtr q = OpenQueue();
  EXPECT_NE(q->boot_id(), old_boot);
  EXPECT_EQ(CorruptFiles(), std::vector<std::string>{"state"});
  EXPECT_EQ(StateNextSeq(), 1u);
}

TEST_F(DiskQueueTest, CorruptRecordIsMovedAsideAndSkippedOnOpen) {
  {
    DiskQueuePtr q = OpenQueue();
    for (int i = 0; i < 3; ++i) EnqueueNext(q.get());
  }
  std::string bytes = *ReadFile(RecordPath(2));
  bytes[bytes.size() - 3] ^= 0x40;
  ASSERT_TRUE(WriteFileAtomic(RecordPath(2), bytes).ok());
  DiskQueuePtr q = OpenQueue();
  EXPECT_EQ(q->Size(), 2u);
  EXPECT_EQ(CorruptFiles(), std::vector<std::string>{RecordFileName(2)});
  EXPECT_FALSE(std::filesystem::exists(RecordPath(2)));
  EXPECT_EQ(q->next_seq(), 4u);
  std::vector<uint64_t> order;
  for (;;) {
    auto peek = q->Peek();
    ASSERT_TRUE(peek.ok());
    if (!peek->has_value()) break;
    order.push_back((*peek)->identity.seq_start);
    ASSERT_TRUE(q->Remove((*peek)->identity).ok());
  }
  EXPECT_EQ(order, (std::vector<uint64_t>{1, 3}));
}

TEST_F(DiskQueueTest, TruncatedAndForeignRecordsAreMovedAside) {
  {
    DiskQueuePtr q = OpenQueue();
    for (int i = 0; i < 3; ++i) EnqueueNext(q.get());
  }
  std::string bytes = *ReadFile(RecordPath(1));
  ASSERT_TRUE(WriteFileAtomic(RecordPath(1), bytes.substr(0, bytes.size() / 2)).ok());
  ASSERT_TRUE(WriteFileAtomic(RecordPath(2), "not a record").ok());
  // A valid record under the wrong name: its frame says seq 3.
  ASSERT_TRUE(WriteFileAtomic(RecordPath(7), *ReadFile(RecordPath(3))).ok());
  DiskQueuePtr q = OpenQueue();
  EXPECT_EQ(q->Size(), 1u);
  EXPECT_EQ(CorruptFiles().size(), 3u);
  // The misnamed record's name still counts as a used sequence number.
  EXPECT_EQ(q->next_seq(), 8u);
}

TEST_F(DiskQueueTest, RecordCorruptedAfterOpenIsSkippedByPeek) {
  DiskQueuePtr q = OpenQueue();
  EnqueueNext(q.get());
  auto b = EnqueueNext(q.get());
  std::string bytes = *ReadFile(RecordPath(1));
  bytes[kRecordHeaderBytes] ^= 0x01;
  ASSERT_TRUE(WriteFileAtomic(RecordPath(1), bytes).ok());
  auto peek = q->Peek();
  ASSERT_TRUE(peek.ok() && peek->has_value());
  EXPECT_EQ((*peek)->identity, b);
  EXPECT_EQ(q->Size(), 1u);
  EXPECT_EQ(q->Bytes(), std::filesystem::file_size(RecordPath(2)));
  EXPECT_EQ(CorruptFiles(), std::vector<std::string>{RecordFileName(1)});
}

TEST_F(DiskQueueTest, SameNameInCorruptDirGetsASuffix) {
  {
    DiskQueuePtr q = OpenQueue();
    EnqueueNext(q.get());
  }
  ASSERT_TRUE(MakeDirs(JoinPath(QueueDir(), "corrupt")).ok());
  ASSERT_TRUE(WriteFileAtomic(JoinPath(QueueDir(), "corrupt/" + RecordFileName(1)), "old").ok());
  ASSERT_TRUE(WriteFileAtomic(RecordPath(1), "garbage").ok());
  DiskQueuePtr q = OpenQueue();
  EXPECT_EQ(CorruptFiles().size(), 2u);
  EXPECT_EQ(*ReadFile(JoinPath(QueueDir(), "corrupt/" + RecordFileName(1))), "old");
}

TEST_F(DiskQueueTest, LeftoverTempFilesAreRemovedUnknownFilesKept) {
  {
    DiskQueuePtr q = OpenQueue();
    EnqueueNext(q.get());
  }
  const std::string temps[] = {RecordFileName(2) + ".tmp-0a1b2c", "state.tmp-ffeedd"};
  for (const auto& t : temps) ASSERT_TRUE(WriteFileAtomic(JoinPath(QueueDir(), t), "x").ok());
  ASSERT_TRUE(WriteFileAtomic(JoinPath(QueueDir(), "README"), "operator notes").ok());
  DiskQueuePtr q = OpenQueue();
  for (const auto& t : temps) EXPECT_FALSE(std::filesystem::exists(JoinPath(QueueDir(), t))) << t;
  EXPECT_TRUE(std::filesystem::exists(JoinPath(QueueDir(), "README")));
  EXPECT_EQ(q->Size(), 1u);
  EXPECT_EQ(q->next_seq(), 2u);
}

TEST_F(DiskQueueTest, MaxBytesIsEnforced) {
  const protocol::BatchIdentity probe{"agent-a", "b", 1, 1};
  const uint64_t record = kRecordHeaderBytes + TestFrame(probe).size();
  DiskQueuePtr q = OpenQueue(2 * record + record / 2);
  auto a = EnqueueNext(q.get());
  EnqueueNext(q.get());
  protocol::BatchIdentity c = q->NextIdentity("agent-a");
  Status full = q->Enqueue(TestFrame(c), c);
  EXPECT_EQ(full.code(), StatusCode::kResourceExhausted) << full.ToString();
  EXPECT_EQ(q->next_seq(), 3u);  // nothing allocated by the failed enqueue
  EXPECT_FALSE(std::filesystem::exists(RecordPath(3)));
  ASSERT_TRUE(q->Remove(a).ok());
  EXPECT_TRUE(q->Enqueue(TestFrame(c), c).ok());
  EXPECT_EQ(q->Size(), 2u);
}

TEST_F(DiskQueueTest, RecordLargerThanMaxBytesIsRefused) {
  DiskQueuePtr q = OpenQueue(64);
  protocol::BatchIdentity id = q->NextIdentity("agent-a");
  EXPECT_EQ(q->Enqueue(TestFrame(id), id).code(), StatusCode::kResourceExhausted);
}

TEST_F(DiskQueueTest, EnqueueChecksIdentity) {
  DiskQueuePtr q = OpenQueue();
  protocol::BatchIdentity id = q->NextIdentity("agent-a");
  protocol::BatchIdentity wrong_boot = id;
  wrong_boot.boot_id = "other";
  EXPECT_EQ(q->Enqueue(TestFrame(wrong_boot), wrong_boot).code(), StatusCode::kInvalidArgument);
  protocol::BatchIdentity skipped = id;
  skipped.seq_start = skipped.seq_end = 5;
  EXPECT_EQ(q->Enqueue(TestFrame(skipped), skipped).code(), StatusCode::kInvalidArgument);
  protocol::BatchIdentity backwards = id;
  backwards.seq_end = 0;
  EXPECT_EQ(q->Enqueue(TestFrame(id), backwards).code(), StatusCode::kInvalidArgument);
  protocol::BatchIdentity other_agent = id;
  other_agent.agent_id = "agent-b";
  EXPECT_EQ(q->Enqueue(TestFrame(other_agent), id).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(q->Enqueue("not a frame", id).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(q->Size(), 0u);
  EXPECT_EQ(q->next_seq(), 1u);
}

TEST_F(DiskQueueTest, MultiSequenceBatchAdvancesPastItsEnd) {
  DiskQueuePtr q = OpenQueue();
  protocol::BatchIdentity id{"agent-a", q->boot_id(), 1, 4};
  ASSERT_TRUE(q->Enqueue(TestFrame(id), id).ok());
  EXPECT_EQ(q->next_seq(), 5u);
  q.reset();
  q = OpenQueue();
  EXPECT_EQ(q->next_seq(), 5u);
}

TEST_F(DiskQueueTest, RemoveChecksIdentity) {
  DiskQueuePtr q = OpenQueue();
  auto a = EnqueueNext(q.get());
  protocol::BatchIdentity other = a;
  other.boot_id = "other-boot";
  EXPECT_EQ(q->Remove(other).code(), StatusCode::kFailedPrecondition);
  protocol::BatchIdentity missing = a;
  missing.seq_start = missing.seq_end = 9;
  EXPECT_EQ(q->Remove(missing).code(), StatusCode::kNotFound);
  EXPECT_EQ(q->Size(), 1u);
  EXPECT_TRUE(q->Remove(a).ok());
  EXPECT_EQ(q->Remove(a).code(), StatusCode::kNotFound);
}

TEST_F(DiskQueueTest, SecondOpenOfSameDirectoryFails) {
  DiskQueuePtr q = OpenQueue();
  auto second = DiskQueue::Open(QueueDir(), kBig);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code(), StatusCode::kFailedPrecondition);
  q.reset();
  EXPECT_TRUE(DiskQueue::Open(QueueDir(), kBig).ok());
}

TEST_F(DiskQueueTest, FilesArePrivate) {
  DiskQueuePtr q = OpenQueue();
  EnqueueNext(q.get());
  namespace fs = std::filesystem;
  auto others = fs::perms::group_all | fs::perms::others_all;
  EXPECT_EQ(fs::status(QueueDir()).permissions() & others, fs::perms::none);
  EXPECT_EQ(fs::status(RecordPath(1)).permissions() & others, fs::perms::none);
  EXPECT_EQ(fs::status(JoinPath(QueueDir(), "state")).permissions() & others, fs::perms::none);
}

// Log cursors travel with their records and survive removal and reopening.
TEST_F(DiskQueueTest, CursorIsNewestQueuedThenSavedInState) {
  {
    DiskQueuePtr q = OpenQueue();
    EXPECT_EQ(q->Cursor(), "");
    protocol::BatchIdentity a = q->NextIdentity("agent-a");
    ASSERT_TRUE(q->Enqueue(TestFrame(a), a, "c1").ok());
    protocol::BatchIdentity b = EnqueueNext(q.get());  // moves no position
    protocol::BatchIdentity c = q->NextIdentity("agent-a");
    ASSERT_TRUE(q->Enqueue(TestFrame(c), c, "c3").ok());
    EXPECT_EQ(q->Cursor(), "c3");
    // Removing a record whose cursor is superseded by a later one keeps Cursor() at c3.
    ASSERT_TRUE(q->Remove(a).ok());
    EXPECT_EQ(q->Cursor(), "c3");
    ASSERT_TRUE(q->Remove(b).ok());
  }
  {
    // "Crash" with c3 still queued: reopening finds it in the record.
    DiskQueuePtr q = OpenQueue();
    EXPECT_EQ(q->Cursor(), "c3");
    auto peek = q->Peek();
    ASSERT_TRUE(peek.ok() && peek->has_value());
    ASSERT_TRUE(q->Remove((*peek)->identity).ok());
    EXPECT_EQ(q->Size(), 0u);
    EXPECT_EQ(q->Cursor(), "c3");  // now from the state file
  }
  DiskQueuePtr q = OpenQueue();
  EXPECT_EQ(q->Cursor(), "c3");
  auto state = nlohmann::json::parse(*ReadFile(JoinPath(QueueDir(), "state")));
  EXPECT_EQ(state.at("cursor").get<std::string>(), "c3");
}

TEST_F(DiskQueueTest, UnchangedCursorIsNotWrittenAgain) {
  DiskQueuePtr q = OpenQueue();
  protocol::BatchIdentity a = q->NextIdentity("agent-a");
  ASSERT_TRUE(q->Enqueue(TestFrame(a), a, "c1").ok());
  UploadOldest(q.get(), a);
  const ino_t saved = StateInode();
  // An idle log input: the next batch carries the same cursor.
  protocol::BatchIdentity b = q->NextIdentity("agent-a");
  ASSERT_TRUE(q->Enqueue(TestFrame(b), b, "c1").ok());
  UploadOldest(q.get(), b);
  EXPECT_EQ(StateInode(), saved);
  protocol::BatchIdentity c = q->NextIdentity("agent-a");
  ASSERT_TRUE(q->Enqueue(TestFrame(c), c, "c2").ok());
  UploadOldest(q.get(), c);
  EXPECT_NE(StateInode(), saved);
  q.reset();
  EXPECT_EQ(OpenQueue()->Cursor(), "c2");
}

TEST_F(DiskQueueTest, CorruptNewestRecordFallsBackToOlderCursor) {
  {
    DiskQueuePtr q = OpenQueue();
    protocol::BatchIdentity a = q->NextIdentity("agent-a");
    ASSERT_TRUE(q->Enqueue(TestFrame(a), a, "c1").ok());
    protocol::BatchIdentity b = q->NextIdentity("agent-a");
    ASSERT_TRUE(q->Enqueue(TestFrame(b), b, "c2").ok());
  }
  // A torn newest record (cut short by something outside the agent's atomic writes).
  std::string path = RecordPath(2);
  std::string bytes = *ReadFile(path);
  ASSERT_TRUE(WriteFileAtomic(path, bytes.substr(0, bytes.size() - 3), 0600).ok());
  DiskQueuePtr q = OpenQueue();
  EXPECT_EQ(q->Size(), 1u);
  EXPECT_EQ(q->Cursor(), "c1");  // lines of record 2 are read again: nothing skipped
  EXPECT_EQ(CorruptFiles().size(), 1u);
  EXPECT_EQ(q->next_seq(), 3u);  // its sequence number stays used
}

TEST_F(DiskQueueTest, CursorCountsTowardsQueueBytes) {
  DiskQueuePtr q = OpenQueue();
  protocol::BatchIdentity a = q->NextIdentity("agent-a");
  ASSERT_TRUE(q->Enqueue(TestFrame(a), a, "cursor!").ok());
  EXPECT_EQ(q->Bytes(), kRecordHeaderBytes + TestFrame(a).size() + 7);
}

}  // namespace
}  // namespace lm::agent
