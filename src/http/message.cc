#include "http/message.h"

#include <strings.h>

#include <nlohmann/json.hpp>

namespace lm::http {

std::string_view Request::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k.size() == name.size() && ::strncasecmp(k.data(), name.data(), k.size()) == 0) return v;
  }
  return {};
}

bool Request::HasHeader(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k.size() == name.size() && ::strncasecmp(k.data(), name.data(), k.size()) == 0) {
      return true;
    }
  }
  return false;
}

Response JsonError(int status, std::string_view error_type, std::string_view message) {
  nlohmann::ordered_json j = {
      {"status", "error"}, {"errorType", std::string(error_type)}, {"error", std::string(message)}};
  Response r;
  r.status = status;
  r.body = j.dump();
  return r;
}

}  // namespace lm::http
