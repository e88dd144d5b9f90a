#include "common/float_format.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace lm {
namespace {

TEST(FloatFormatTest, Fixed) {
  EXPECT_EQ(FormatFloatFixed(1), "1");
  EXPECT_EQ(FormatFloatFixed(0.25), "0.25");
  EXPECT_EQ(FormatFloatFixed(1e6), "1000000");
  EXPECT_EQ(FormatFloatFixed(-3.5), "-3.5");
  EXPECT_EQ(FormatFloatFixed(std::nan("")), "NaN");
  EXPECT_EQ(FormatFloatFixed(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatFloatFixed(-std::numeric_limits<double>::infinity()), "-Inf");
}

TEST(FloatFormatTest, Short) {
  EXPECT_EQ(FormatFloatShort(0.1), "0.1");
  EXPECT_EQ(FormatFloatShort(1), "1");
  EXPECT_EQ(FormatFloatShort(100000), "100000");
  EXPECT_EQ(FormatFloatShort(1e-5), "1e-05");
  EXPECT_EQ(FormatFloatShort(2.5e21), "2.5e+21");
  EXPECT_EQ(FormatFloatShort(0.0001), "0.0001");
  EXPECT_EQ(FormatFloatShort(std::numeric_limits<double>::infinity()), "+Inf");
}

}  // namespace
}  // namespace lm
