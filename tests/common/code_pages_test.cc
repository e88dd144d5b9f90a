#include "common/code_pages.h"

#include <string>

#include <gtest/gtest.h>

namespace lm {
namespace {

std::string Work(int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += std::to_string(i);
  return s;
}

TEST(CodePagesTest, ReleasedPagesFaultBackInAndWritableDataSurvives) {
  static int counter = 41;  // writable data must keep its value
  const std::string before = Work(100);
  size_t released = 0;
  Status s = ReleaseCodePages(&released);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_GT(released, 0u);
  EXPECT_EQ(Work(100), before);  // code runs again after its pages were dropped
  EXPECT_EQ(++counter, 42);
  ASSERT_TRUE(ReleaseCodePages().ok());  // idempotent
}

}  // namespace
}  // namespace lm
