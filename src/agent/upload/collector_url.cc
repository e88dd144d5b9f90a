#include "agent/upload/collector_url.h"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

namespace lm::agent {
namespace {

constexpr size_t kMaxUrlBytes = 2048;
constexpr std::string_view kScheme = "https://";

bool IsHostChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_';
}

bool IsIpv6Char(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' ||
         c == '.';
}

Status Refuse(std::string_view rule) {
  return InvalidArgument(fmt::format("collector url refused: {}", rule));
}

}  // namespace

Result<CollectorUrl> ParseCollectorUrl(std::string_view url) {
  if (url.size() > kMaxUrlBytes) return Refuse(fmt::format("longer than {} bytes", kMaxUrlBytes));
  for (size_t i = 0; i < url.size(); ++i) {
    auto c = static_cast<unsigned char>(url[i]);
    if (c < 0x20 || c == 0x7f) return Refuse(fmt::format("control byte at offset {}", i));
    if (c == ' ') return Refuse(fmt::format("whitespace at offset {}", i));
    if (c >= 0x80) return Refuse(fmt::format("non-ASCII byte at offset {}", i));
    if (c == '\\') return Refuse(fmt::format("backslash at offset {}", i));
  }
  bool https = url.size() >= kScheme.size() &&
               std::equal(kScheme.begin(), kScheme.end(), url.begin(), [](char a, char b) {
                 return a == (b >= 'A' && b <= 'Z' ? static_cast<char>(b - 'A' + 'a') : b);
               });
  if (!https) return Refuse("scheme must be https://");
  if (url.find('#') != std::string_view::npos) return Refuse("fragment ('#') is not allowed");
  std::string_view rest = url.substr(kScheme.size());
  size_t authority_end = std::min(rest.find('/'), rest.find('?'));
  std::string_view authority = rest.substr(0, authority_end);
  std::string_view target =
      authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);
  if (authority.find('@') != std::string_view::npos) {
    return Refuse("userinfo ('user@') is not allowed");
  }
  if (authority.empty()) return Refuse("no host");

  CollectorUrl out;
  std::string_view port_text;
  bool has_port = false;
  if (authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return Refuse("unterminated IPv6 literal");
    std::string_view literal = authority.substr(1, close - 1);
    if (literal.empty() || literal.find(':') == std::string_view::npos ||
        !std::all_of(literal.begin(), literal.end(), IsIpv6Char)) {
      return Refuse("unsupported IPv6 authority form");
    }
    out.host = std::string(authority.substr(0, close + 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return Refuse("unexpected bytes after IPv6 literal");
      has_port = true;
      port_text = after.substr(1);
    }
  } else {
    size_t colon = authority.find(':');
    std::string_view host = authority.substr(0, colon);
    if (host.empty()) return Refuse("no host");
    if (!std::all_of(host.begin(), host.end(), IsHostChar)) {
      return Refuse("host has characters outside [A-Za-z0-9._-]");
    }
    out.host = std::string(host);
    if (colon != std::string_view::npos) {
      has_port = true;
      port_text = authority.substr(colon + 1);
    }
  }
  if (has_port) {
    uint32_t port = 0;
    auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (port_text.empty() || port_text.size() > 5 || ec != std::errc() ||
        ptr != port_text.data() + port_text.size() || port == 0 || port > 65535) {
      return Refuse("port must be a decimal number in 1-65535");
    }
    out.port = static_cast<uint16_t>(port);
  }
  if (target.starts_with("//")) return Refuse("network-path target ('//' after the host)");
  if (target.empty()) {
    out.target = "/";
  } else if (target.front() == '?') {
    out.target = "/" + std::string(target);
  } else {
    out.target = std::string(target);
  }
  return out;
}

}  // namespace lm::agent
