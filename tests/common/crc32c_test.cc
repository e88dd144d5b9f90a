#include "common/crc32c.h"

#include <gtest/gtest.h>

#include <string>

namespace lm {
namespace {

// Check values from RFC 3720 (iSCSI) appendix B.4 and the common "123456789" vector.
TEST(Crc32cTest, KnownVectors) {
  EXPECT_EQ(crc32c::Value("123456789"), 0xE3069283u);
  std::string zeros(32, '\0');
  EXPECT_EQ(crc32c::Value(zeros), 0x8A9136AAu);
  std::string ones(32, '\xff');
  EXPECT_EQ(crc32c::Value(ones), 0x62A8AB43u);
  std::string inc;
  for (int i = 0; i < 32; ++i) inc.push_back(static_cast<char>(i));
  EXPECT_EQ(crc32c::Value(inc), 0x46DD794Eu);
}

TEST(Crc32cTest, ExtendEqualsWhole) {
  std::string s = "the quick brown fox jumps over the lazy dog, twice over";
  for (size_t split = 0; split <= s.size(); ++split) {
    uint32_t a = crc32c::Value(s.data(), split);
    EXPECT_EQ(crc32c::Extend(a, s.data() + split, s.size() - split), crc32c::Value(s));
  }
}

}  // namespace
}  // namespace lm
