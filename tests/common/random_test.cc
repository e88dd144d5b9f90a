#include "common/random.h"

#include <gtest/gtest.h>

#include <regex>

namespace lm {
namespace {

TEST(RandomTest, HexAndUuidShapes) {
  EXPECT_EQ(RandomHex(16).size(), 32u);
  EXPECT_NE(RandomHex(16), RandomHex(16));
  std::regex uuid("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  EXPECT_TRUE(std::regex_match(RandomUuid(), uuid));
}

}  // namespace
}  // namespace lm
