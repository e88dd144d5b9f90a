#include "api/time_param.h"

#include <gtest/gtest.h>

namespace lm::api {
namespace {

TEST(TimeParamTest, FloatAndRfc3339) {
  EXPECT_EQ(*ParseTimeParam("1700000000"), 1'700'000'000'000);
  EXPECT_EQ(*ParseTimeParam("1700000000.123"), 1'700'000'000'123);
  EXPECT_EQ(*ParseTimeParam("2023-11-14T22:13:20Z"), 1'700'000'000'000);
  EXPECT_EQ(*ParseTimeParam("2023-11-14T22:13:20.5Z"), 1'700'000'000'500);
  EXPECT_EQ(*ParseTimeParam("2023-11-14T23:13:20+01:00"), 1'700'000'000'000);
  for (const char* bad :
       {"", "abc", "2023-11-14", "2023-13-14T22:13:20Z", "1e400", "NaN", "2023-11-14T22:13:20"}) {
    EXPECT_FALSE(ParseTimeParam(bad).ok()) << bad;
  }
}

TEST(TimeParamTest, Format) {
  EXPECT_EQ(FormatApiTime(1'700'000'000'000), "1700000000");
  EXPECT_EQ(FormatApiTime(1'700'000'000'120), "1700000000.12");
  EXPECT_EQ(FormatApiTime(-1500), "-1.5");
}

}  // namespace
}  // namespace lm::api

namespace lm::api {
namespace {

TEST(DurationParamTest, SecondsAndDurations) {
  EXPECT_EQ(*ParseDurationParam("15"), 15000);
  EXPECT_EQ(*ParseDurationParam("0.5"), 500);
  EXPECT_EQ(*ParseDurationParam("15s"), 15000);
  EXPECT_EQ(*ParseDurationParam("1m30s"), 90000);
  EXPECT_EQ(*ParseDurationParam("500ms"), 500);
  EXPECT_EQ(*ParseDurationParam("1h1m1s1ms"), 3661001);
  EXPECT_EQ(*ParseDurationParam("2d"), 172800000);
  EXPECT_EQ(*ParseDurationParam("1w"), 604800000);
  EXPECT_EQ(*ParseDurationParam("1y"), 31536000000);
  for (const char* bad : {"", "-1", "1x", "s", "1s1m", "1m1m", "NaN", "inf", "1.5m", "0x10"}) {
    EXPECT_FALSE(ParseDurationParam(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace lm::api
