#include "http/router.h"

#include <gtest/gtest.h>

namespace lm::http {
namespace {

Response Call(const Router& r, std::string method, std::string path) {
  Request req;
  req.method = std::move(method);
  req.path = std::move(path);
  Response out;
  r.Handle(std::move(req), [&](Response res) { out = std::move(res); });
  return out;
}

TEST(RouterTest, ExactPrefixAndErrors) {
  Router r;
  auto reply = [](std::string body) {
    return [body](Request&&, Responder respond) {
      Response res;
      res.body = body;
      respond(res);
    };
  };
  r.Add({"GET"}, "/a", reply("a"));
  r.AddPrefix({"GET"}, "/p/", reply("p"));
  r.AddPrefix({"GET"}, "/p/long/", reply("long"));
  r.Add({"GET"}, "/p/exact", reply("exact"));
  EXPECT_EQ(Call(r, "GET", "/a").body, "a");
  EXPECT_EQ(Call(r, "GET", "/p/x").body, "p");
  EXPECT_EQ(Call(r, "GET", "/p/long/x").body, "long");
  EXPECT_EQ(Call(r, "GET", "/p/exact").body, "exact");
  EXPECT_EQ(Call(r, "GET", "/zzz").status, 404);
  Response m = Call(r, "DELETE", "/a");
  EXPECT_EQ(m.status, 405);
  ASSERT_FALSE(m.headers.empty());
  EXPECT_EQ(m.headers[0].second, "GET");
}

}  // namespace
}  // namespace lm::http
