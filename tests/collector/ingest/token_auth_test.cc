#include "collector/ingest/token_auth.h"

#include <gtest/gtest.h>

namespace lm::collector {
namespace {

TEST(TokenAuthTest, MapsTokensToAgents) {
  auto a = TokenAuthenticator::Create({{"host-a", "tok-a"}, {"host-b", "tok-b"}});
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->Authenticate("Bearer tok-a"), "host-a");
  EXPECT_EQ(a->Authenticate("Bearer tok-b"), "host-b");
  EXPECT_FALSE(a->Authenticate("Bearer tok-c"));
  EXPECT_FALSE(a->Authenticate("tok-a"));
  EXPECT_FALSE(a->Authenticate("Bearer "));
  EXPECT_FALSE(a->Authenticate(""));
}

TEST(TokenAuthTest, RejectsSharedOrEmptyTokens) {
  EXPECT_FALSE(TokenAuthenticator::Create({{"a", "x"}, {"b", "x"}}).ok());
  EXPECT_FALSE(TokenAuthenticator::Create({{"a", ""}}).ok());
}

}  // namespace
}  // namespace lm::collector
