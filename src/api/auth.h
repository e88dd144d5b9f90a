// Bearer-token protection for private endpoints. Thread safe.
#pragma once

#include <string>

#include "http/message.h"

namespace lm::api {

// Wraps `next` so that requests without "Authorization: Bearer <token>" get 401 with
// errorType "unauthorized" and a WWW-Authenticate header. Tokens are compared in constant
// time.
http::Handler RequireBearerToken(std::string token, http::Handler next);

// True when the request carries exactly "Bearer <token>".
bool HasBearerToken(const http::Request& request, std::string_view token);

}  // namespace lm::api
