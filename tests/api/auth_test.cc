#include "api/auth.h"

#include <gtest/gtest.h>

#include "common/base64.h"

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

TEST(AuthTest, BasicWithTheTokenAsPassword) {
  auto h = RequireBearerToken(
      "s3cret", [](http::Request&&, http::Responder respond) { respond(http::Response{}); });
  EXPECT_EQ(Status(h, "Basic " + EncodeBase64("lm:s3cret")), 200);
  EXPECT_EQ(Status(h, "Basic " + EncodeBase64(":s3cret")), 200);
  EXPECT_EQ(Status(h, "Basic " + EncodeBase64("any:one:s3cret")), 401);  // password "one:s3cret"
  EXPECT_EQ(Status(h, "Basic " + EncodeBase64("s3cret:")), 401);
  EXPECT_EQ(Status(h, "Basic " + EncodeBase64("s3cret")), 401);  // no colon
  EXPECT_EQ(Status(h, "Basic " + EncodeBase64("lm:s3cre")), 401);
  EXPECT_EQ(Status(h, "Basic bG06czNjcmV0"), 200);   // base64 of "lm:s3cret"
  EXPECT_EQ(Status(h, "Basic bG06czNjcmV0="), 401);  // not base64
  EXPECT_EQ(Status(h, "Basic !!!!"), 401);
  EXPECT_EQ(Status(h, "Basic "), 401);
  // Scheme names are case-insensitive (RFC 9110).
  EXPECT_EQ(Status(h, "basic " + EncodeBase64("lm:s3cret")), 200);
  EXPECT_EQ(Status(h, "BEARER s3cret"), 200);
}

}  // namespace
}  // namespace lm::api
