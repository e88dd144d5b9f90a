#include "common/base64.h"

#include <algorithm>
#include <cstdint>

namespace lm {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

}  // namespace

std::optional<std::string> DecodeBase64(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  size_t pad = 0;
  if (!text.empty() && text.back() == '=')
    pad = text.size() >= 2 && text[text.size() - 2] == '=' ? 2 : 1;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (size_t at = 0; at < text.size(); at += 4) {
    const bool last = at + 4 == text.size();
    const size_t data_chars = last ? 4 - pad : 4;
    uint32_t group = 0;
    for (size_t i = 0; i < 4; ++i) {
      int v = 0;
      if (i < data_chars) {
        v = Value(text[at + i]);
        if (v < 0) return std::nullopt;
      }
      group = group << 6 | static_cast<uint32_t>(v);
    }
    const size_t bytes = data_chars - 1;  // 4 chars: 3 bytes, 3: 2, 2: 1
    // The bits beyond the last byte must be zero (canonical form).
    if (bytes < 3 && (group & ((1u << (8 * (3 - bytes))) - 1)) != 0) return std::nullopt;
    for (size_t i = 0; i < bytes; ++i) out += static_cast<char>(group >> (16 - 8 * i) & 0xff);
  }
  return out;
}

std::string EncodeBase64(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (size_t at = 0; at < bytes.size(); at += 3) {
    const size_t n = std::min<size_t>(3, bytes.size() - at);
    uint32_t group = 0;
    for (size_t i = 0; i < 3; ++i) {
      group = group << 8 | (i < n ? static_cast<unsigned char>(bytes[at + i]) : 0u);
    }
    for (size_t i = 0; i < 4; ++i) {
      out += i <= n ? kAlphabet[group >> (18 - 6 * i) & 0x3f] : '=';
    }
  }
  return out;
}

}  // namespace lm
