#include "http/form.h"

#include <gtest/gtest.h>

namespace lm::http {
namespace {

TEST(FormTest, DecodesPlusAndPercent) {
  auto v = FormDecode("a+b%20c%2Bd%C3%A9");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, "a b c+d\xC3\xA9");
}

TEST(FormTest, BadEscapes) {
  EXPECT_FALSE(FormDecode("%").ok());
  EXPECT_FALSE(FormDecode("%4").ok());
  EXPECT_FALSE(FormDecode("%zz").ok());
}

TEST(FormTest, RepeatedKeysKeepOrder) {
  auto f = ParseForm("match[]=a&x=1&match%5B%5D=b&empty&=v");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->GetAll("match[]"), (std::vector<std::string>{"a", "b"}));
  ASSERT_NE(f->Get("empty"), nullptr);
  EXPECT_EQ(*f->Get("empty"), "");
  EXPECT_EQ(f->Get("nope"), nullptr);
}

TEST(FormTest, PostBodyJoinsQuery) {
  Request r;
  r.method = "POST";
  r.query = "a=1";
  r.body = "b=2&a=3";
  r.headers = {{"content-type", "application/x-www-form-urlencoded"}};
  auto f = RequestParams(r);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->GetAll("a"), (std::vector<std::string>{"1", "3"}));
  EXPECT_EQ(*f->Get("b"), "2");
  r.headers.clear();
  auto g = RequestParams(r);
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->Get("b"), nullptr) << "a body without the form content type is not parameters";
}

}  // namespace
}  // namespace lm::http
