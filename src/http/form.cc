#include "http/form.h"

#include <fmt/format.h>

namespace lm::http {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

const std::string* FormValues::Get(std::string_view name) const {
  for (const auto& [k, v] : pairs_) {
    if (k == name) return &v;
  }
  return nullptr;
}

std::vector<std::string> FormValues::GetAll(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& [k, v] : pairs_) {
    if (k == name) out.push_back(v);
  }
  return out;
}

Result<std::string> FormDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%') {
      int hi = i + 1 < s.size() ? HexValue(s[i + 1]) : -1;
      int lo = i + 2 < s.size() ? HexValue(s[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        return InvalidArgument(fmt::format("invalid percent escape at offset {}", i));
      }
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

Result<FormValues> ParseForm(std::string_view text) {
  FormValues values;
  while (!text.empty()) {
    auto amp = text.find('&');
    std::string_view pair = text.substr(0, amp);
    text = amp == std::string_view::npos ? std::string_view() : text.substr(amp + 1);
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    LM_ASSIGN_OR_RETURN(std::string name, FormDecode(pair.substr(0, eq)));
    std::string value;
    if (eq != std::string_view::npos) {
      LM_ASSIGN_OR_RETURN(value, FormDecode(pair.substr(eq + 1)));
    }
    values.Add(std::move(name), std::move(value));
  }
  return values;
}

Result<FormValues> RequestParams(const Request& request) {
  LM_ASSIGN_OR_RETURN(FormValues values, ParseForm(request.query));
  std::string_view ct = request.Header("content-type");
  if (request.method == "POST" && ct.starts_with("application/x-www-form-urlencoded")) {
    LM_ASSIGN_OR_RETURN(FormValues body, ParseForm(request.body));
    for (auto& [k, v] : body.pairs()) values.Add(k, v);
  }
  return values;
}

}  // namespace lm::http
