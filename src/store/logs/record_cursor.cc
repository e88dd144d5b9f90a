#include "store/logs/record_cursor.h"

#include <array>

#include "common/crc32c.h"

namespace lm::store::logs {
namespace {

constexpr std::string_view kPrefix = "c1.";
constexpr uint8_t kVersion = 1;
constexpr size_t kBytes = 27;
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

void PutLe(uint64_t v, int bytes, std::string* out) {
  for (int i = 0; i < bytes; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint64_t GetLe(std::string_view s, size_t at, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= uint64_t{static_cast<uint8_t>(s[at + i])} << (8 * i);
  return v;
}

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

// Serialises one string field with its length, so that fields cannot run into each other.
void PutField(std::string_view s, std::string* out) {
  PutLe(s.size(), 4, out);
  out->append(s);
}

}  // namespace

std::string EncodeCursor(const Cursor& c) {
  std::string raw;
  raw.push_back(static_cast<char>(kVersion));
  raw.push_back(static_cast<char>(c.kind));
  raw.push_back(static_cast<char>(c.order));
  PutLe(c.fingerprint, 4, &raw);
  PutLe(static_cast<uint64_t>(c.key.time_unix_nano), 8, &raw);
  PutLe(c.key.pos, 8, &raw);
  PutLe(crc32c::Value(raw), 4, &raw);
  std::string out(kPrefix);
  uint32_t acc = 0;
  int bits = 0;
  for (char ch : raw) {
    acc = (acc << 8) | static_cast<uint8_t>(ch);
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kAlphabet[(acc >> bits) & 63]);
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(acc << (6 - bits)) & 63]);
  return out;
}

Result<Cursor> DecodeCursor(std::string_view text) {
  auto bad = [] { return InvalidArgument("malformed cursor"); };
  if (!text.starts_with(kPrefix)) return bad();
  text.remove_prefix(kPrefix.size());
  if (text.size() != (kBytes * 8 + 5) / 6) return bad();
  std::string raw;
  uint32_t acc = 0;
  int bits = 0;
  for (char ch : text) {
    const int v = Base64Value(ch);
    if (v < 0) return bad();
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      raw.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  if (raw.size() != kBytes || (acc & ((1u << bits) - 1)) != 0) return bad();
  if (static_cast<uint32_t>(GetLe(raw, kBytes - 4, 4)) !=
      crc32c::Value(std::string_view(raw).substr(0, kBytes - 4))) {
    return bad();
  }
  Cursor c;
  const auto version = static_cast<uint8_t>(raw[0]);
  const auto kind = static_cast<uint8_t>(raw[1]);
  const auto order = static_cast<uint8_t>(raw[2]);
  if (version != kVersion || (kind != 1 && kind != 2) || order > 1) return bad();
  c.kind = static_cast<CursorKind>(kind);
  c.order = static_cast<Order>(order);
  c.fingerprint = static_cast<uint32_t>(GetLe(raw, 3, 4));
  c.key.time_unix_nano = static_cast<int64_t>(GetLe(raw, 7, 8));
  c.key.pos = GetLe(raw, 15, 8);
  return c;
}

uint32_t FilterFingerprint(const RecordFilter& f) {
  std::string s;
  PutLe(static_cast<uint64_t>(f.min_time), 8, &s);
  PutLe(static_cast<uint64_t>(f.max_time), 8, &s);
  auto optional = [&](const std::optional<std::string>& v) {
    s.push_back(v ? 1 : 0);
    if (v) PutField(*v, &s);
  };
  optional(f.agent_id);
  optional(f.boot_id);
  optional(f.name);
  s.push_back(f.severity ? static_cast<char>(*f.severity) : -1);
  s.push_back(static_cast<char>(f.min_severity));
  s.push_back(f.state ? static_cast<char>(*f.state) : -1);
  for (const protocol::Label& l : f.kvs) {
    PutField(l.key, &s);
    PutField(l.value, &s);
  }
  s.push_back('|');
  if (f.text) {
    const TextSpec& t = f.text->spec();
    for (const auto* list : {&t.contains, &t.icontains, &t.regex}) {
      PutLe(list->size(), 4, &s);
      for (const std::string& v : *list) PutField(v, &s);
    }
    s.push_back(t.case_insensitive ? 1 : 0);
  }
  return crc32c::Value(s);
}

}  // namespace lm::store::logs
