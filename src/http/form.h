// Decoding of application/x-www-form-urlencoded text (URL query strings and form POST
// bodies): '+' is a space, %XX is a byte, pairs are separated by '&'. Thread safe.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "http/message.h"

namespace lm::http {

// Ordered name/value pairs; names may repeat (e.g. match[]).
class FormValues {
 public:
  void Add(std::string name, std::string value) {
    pairs_.emplace_back(std::move(name), std::move(value));
  }
  // The first value of `name`, or nullptr.
  const std::string* Get(std::string_view name) const;
  // Every value of `name`, in order.
  std::vector<std::string> GetAll(std::string_view name) const;
  const std::vector<std::pair<std::string, std::string>>& pairs() const { return pairs_; }

 private:
  std::vector<std::pair<std::string, std::string>> pairs_;
};

// Percent-decodes `s` with '+' as space. InvalidArgument for a truncated or non-hex escape.
Result<std::string> FormDecode(std::string_view s);

// Parses "a=1&b=2&a=3" into pairs. InvalidArgument for a bad escape.
Result<FormValues> ParseForm(std::string_view text);

// The request's parameters: the URL query, plus the body when the request is a POST with
// Content-Type application/x-www-form-urlencoded (Prometheus' rules).
Result<FormValues> RequestParams(const Request& request);

}  // namespace lm::http
