#include "api/auth.h"

#include "common/secure_compare.h"

namespace lm::api {

bool HasBearerToken(const http::Request& request, std::string_view token) {
  std::string_view h = request.Header("authorization");
  constexpr std::string_view kPrefix = "Bearer ";
  if (h.size() <= kPrefix.size() || h.substr(0, kPrefix.size()) != kPrefix) return false;
  return SecureEquals(h.substr(kPrefix.size()), token);
}

http::Handler RequireBearerToken(std::string token, http::Handler next) {
  return [token = std::move(token), next = std::move(next)](http::Request&& req,
                                                            http::Responder respond) {
    if (!HasBearerToken(req, token)) {
      http::Response r = http::JsonError(401, "unauthorized", "missing or invalid bearer token");
      r.AddHeader("WWW-Authenticate", "Bearer");
      respond(std::move(r));
      return;
    }
    next(std::move(req), std::move(respond));
  };
}

}  // namespace lm::api
