// Bearer-token protection for private endpoints. Thread safe.
#pragma once

#include <string>

#include "http/message.h"

namespace lm::api {

// Wraps `next` so that only requests carrying the token pass: "Authorization: Bearer
// <token>", or HTTP Basic authentication with any user name and the token as the password
// ("Basic base64(<user>:<token>)", for clients that only speak Basic or take credentials
// from the URL, such as promtool with http://user:<token>@host:port). Others get 401 with
// errorType "unauthorized" and WWW-Authenticate headers for both schemes. Tokens are
// compared in constant time.
http::Handler RequireBearerToken(std::string token, http::Handler next);

// True when the request carries "Bearer <token>" or Basic credentials whose password is
// <token>, as above.
bool HasBearerToken(const http::Request& request, std::string_view token);

}  // namespace lm::api
