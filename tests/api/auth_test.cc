#include "api/auth.h"

#include <gtest/gtest.h>

namespace lm::api {
namespace {

int Status(const http::Handler& h, std::string auth) {
  http::Request r;
  if (!auth.empty()) r.headers.emplace_back("authorization", auth);
  int status = 0;
  h(std::move(r), [&](http::Response res) { status = res.status; });
  return status;
}

TEST(AuthTest, BearerToken) {
  auto h = RequireBearerToken(
      "s3cret", [](http::Request&&, http::Responder respond) { respond(http::Response{}); });
  EXPECT_EQ(Status(h, "Bearer s3cret"), 200);
  EXPECT_EQ(Status(h, ""), 401);
  EXPECT_EQ(Status(h, "Bearer s3cre"), 401);
  EXPECT_EQ(Status(h, "Bearer s3cretX"), 401);
  EXPECT_EQ(Status(h, "Basic s3cret"), 401);
  EXPECT_EQ(Status(h, "Bearer "), 401);
}

}  // namespace
}  // namespace lm::api
