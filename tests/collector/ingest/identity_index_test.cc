#include "collector/ingest/identity_index.h"

#include <gtest/gtest.h>

namespace lm::collector {
namespace {

protocol::BatchIdentity Id(uint64_t seq) { return {"a", "boot", seq, seq}; }

TEST(IdentityIndexTest, ClaimDuplicateConflictAndWaiters) {
  IdentityIndex idx;
  EXPECT_EQ(idx.TryClaim(Id(1), "h1", nullptr), IdentityIndex::Claim::kClaimed);
  std::vector<AcceptOutcomeKind> got;
  EXPECT_EQ(idx.TryClaim(Id(1), "h1", [&](AcceptOutcome o) { got.push_back(o.kind); }),
            IdentityIndex::Claim::kWaiting);
  EXPECT_EQ(idx.TryClaim(Id(1), "h2", nullptr), IdentityIndex::Claim::kConflict);
  idx.Complete(Id(1), true, {});
  EXPECT_EQ(got, std::vector<AcceptOutcomeKind>{AcceptOutcomeKind::kDuplicate});
  EXPECT_EQ(idx.TryClaim(Id(1), "h1", nullptr), IdentityIndex::Claim::kDuplicate);
  EXPECT_EQ(idx.TryClaim(Id(1), "h2", nullptr), IdentityIndex::Claim::kConflict);
}

TEST(IdentityIndexTest, FailedClaimIsForgotten) {
  IdentityIndex idx;
  ASSERT_EQ(idx.TryClaim(Id(2), "h", nullptr), IdentityIndex::Claim::kClaimed);
  AcceptOutcomeKind waiter = AcceptOutcomeKind::kAccepted;
  idx.TryClaim(Id(2), "h", [&](AcceptOutcome o) { waiter = o.kind; });
  idx.Complete(Id(2), false, AcceptOutcome{AcceptOutcomeKind::kUnavailable, "disk"});
  EXPECT_EQ(waiter, AcceptOutcomeKind::kUnavailable);
  EXPECT_EQ(idx.TryClaim(Id(2), "other", nullptr), IdentityIndex::Claim::kClaimed)
      << "a failed acceptance must not block a retry";
}

TEST(IdentityIndexTest, IdentityFieldsAreDistinct) {
  IdentityIndex idx;
  EXPECT_TRUE(idx.AddDurable({"a", "b", 1, 2}, "h"));
  EXPECT_TRUE(idx.AddDurable({"a", "b", 1, 3}, "h"));
  EXPECT_TRUE(idx.AddDurable({"a", "c", 1, 2}, "h"));
  EXPECT_TRUE(idx.AddDurable({"ab", "", 1, 2}, "h"));
  EXPECT_FALSE(idx.AddDurable({"a", "b", 1, 2}, "other"));
  EXPECT_EQ(idx.size(), 4u);
}

}  // namespace
}  // namespace lm::collector
