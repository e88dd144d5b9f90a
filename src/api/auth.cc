#include "api/auth.h"

#include <optional>
#include <string>

#include "common/base64.h"
#include "common/secure_compare.h"

namespace lm::api {
namespace {

// True when `header` starts with `scheme` (which ends in a space), ignoring ASCII case, and
// has more after it.
bool StartsWithScheme(std::string_view header, std::string_view scheme) {
  if (header.size() <= scheme.size()) return false;
  for (size_t i = 0; i < scheme.size(); ++i) {
    const char a = header[i] >= 'A' && header[i] <= 'Z' ? header[i] - 'A' + 'a' : header[i];
    const char b = scheme[i] >= 'A' && scheme[i] <= 'Z' ? scheme[i] - 'A' + 'a' : scheme[i];
    if (a != b) return false;
  }
  return true;
}

}  // namespace

bool HasBearerToken(const http::Request& request, std::string_view token) {
  std::string_view h = request.Header("authorization");
  constexpr std::string_view kBearer = "Bearer ";
  constexpr std::string_view kBasic = "Basic ";
  if (StartsWithScheme(h, kBearer)) return SecureEquals(h.substr(kBearer.size()), token);
  if (StartsWithScheme(h, kBasic)) {
    std::optional<std::string> credentials = DecodeBase64(h.substr(kBasic.size()));
    if (!credentials) return false;
    const size_t colon = credentials->find(':');
    if (colon == std::string::npos) return false;
    return SecureEquals(std::string_view(*credentials).substr(colon + 1), token);
  }
  return false;
}

http::Handler RequireBearerToken(std::string token, http::Handler next) {
  return [token = std::move(token), next = std::move(next)](http::Request&& req,
                                                            http::Responder respond) {
    if (!HasBearerToken(req, token)) {
      http::Response r = http::JsonError(401, "unauthorized", "missing or invalid bearer token");
      r.AddHeader("WWW-Authenticate", "Bearer");
      r.AddHeader("WWW-Authenticate", "Basic realm=\"lightmetrics\"");
      respond(std::move(r));
      return;
    }
    next(std::move(req), std::move(respond));
  };
}

}  // namespace lm::api
