// Parsing of "host:port" listen addresses. Thread safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace lm::http {

struct ListenAddress {
  std::string host;  // without brackets for IPv6
  uint16_t port = 0;
};

// Accepts "host:port" and "[v6addr]:port"; InvalidArgument otherwise.
Result<ListenAddress> ParseListenAddress(std::string_view text);

}  // namespace lm::http
