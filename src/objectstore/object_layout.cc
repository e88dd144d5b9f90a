#include "objectstore/object_layout.h"

#include <charconv>
#include <ctime>

#include <fmt/format.h>

namespace lm::objectstore {
namespace {

bool IsPlain(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '-';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string SeqRange(const protocol::BatchIdentity& id) {
  return fmt::format("{:020}-{:020}", id.seq_start, id.seq_end);
}

bool ParseU64(std::string_view s, size_t digits, uint64_t* out) {
  if (s.size() != digits) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

// "<seq_start 20>-<seq_end 20>" into `id`.
bool ParseSeqRange(std::string_view s, protocol::BatchIdentity* id) {
  return s.size() == 41 && s[20] == '-' && ParseU64(s.substr(0, 20), 20, &id->seq_start) &&
         ParseU64(s.substr(21), 20, &id->seq_end);
}

}  // namespace

std::string EscapeSegment(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (IsPlain(c) && !(i == 0 && c == '.')) {
      out.push_back(c);
    } else {
      out += fmt::format("_{:02X}", static_cast<unsigned char>(c));
    }
  }
  return out;
}

std::optional<std::string> UnescapeSegment(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '_') {
      if (!IsPlain(s[i])) return std::nullopt;
      out.push_back(s[i]);
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    const int hi = HexValue(s[i + 1]);
    const int lo = HexValue(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  if (EscapeSegment(out) != s) return std::nullopt;  // one canonical form per id
  return out;
}

std::string RawBlobKey(std::string_view sha256_hex) {
  return fmt::format("{}{}/{}", kRawPrefix, sha256_hex.substr(0, 2), sha256_hex);
}

std::string AcceptedBootPrefix(std::string_view agent_id, std::string_view boot_id) {
  return fmt::format("{}{}/{}/", kAcceptedPrefix, EscapeSegment(agent_id), EscapeSegment(boot_id));
}

std::string AcceptedManifestKey(const protocol::BatchIdentity& id) {
  return fmt::format("{}{}.json", AcceptedBootPrefix(id.agent_id, id.boot_id), SeqRange(id));
}

std::optional<protocol::BatchIdentity> ParseAcceptedManifestKey(std::string_view key) {
  if (!key.starts_with(kAcceptedPrefix) || !key.ends_with(".json")) return std::nullopt;
  std::string_view rest = key.substr(kAcceptedPrefix.size());
  rest.remove_suffix(5);
  const size_t a = rest.find('/');
  if (a == std::string_view::npos) return std::nullopt;
  const size_t b = rest.find('/', a + 1);
  if (b == std::string_view::npos || rest.find('/', b + 1) != std::string_view::npos) {
    return std::nullopt;
  }
  protocol::BatchIdentity id;
  auto agent = UnescapeSegment(rest.substr(0, a));
  auto boot = UnescapeSegment(rest.substr(a + 1, b - a - 1));
  if (!agent || !boot || agent->empty() || boot->empty()) return std::nullopt;
  id.agent_id = std::move(*agent);
  id.boot_id = std::move(*boot);
  if (!ParseSeqRange(rest.substr(b + 1), &id)) return std::nullopt;
  return id;
}

std::string HourPartition(int64_t unix_ms) {
  const std::time_t secs = static_cast<std::time_t>(unix_ms / 1000);
  std::tm utc;
  gmtime_r(&secs, &utc);
  return fmt::format("{:04}{:02}{:02}{:02}/", utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday,
                     utc.tm_hour);
}

std::string AcceptedByTimeKey(int64_t accepted_unix_ms, const protocol::BatchIdentity& id) {
  return fmt::format("{}{}{:013}~{}~{}~{}", kAcceptedByTimePrefix, HourPartition(accepted_unix_ms),
                     accepted_unix_ms, EscapeSegment(id.agent_id), EscapeSegment(id.boot_id),
                     SeqRange(id));
}

std::optional<TimeIndexEntry> ParseAcceptedByTimeKey(std::string_view key) {
  if (!key.starts_with(kAcceptedByTimePrefix)) return std::nullopt;
  std::string_view rest = key.substr(kAcceptedByTimePrefix.size());
  if (rest.size() < 11 || rest[10] != '/') return std::nullopt;
  const std::string_view partition = rest.substr(0, 11);
  rest = rest.substr(11);
  // <ms 13>~<agent>~<boot>~<seq range>
  std::string_view parts[4];
  for (int i = 0; i < 4; ++i) {
    const size_t tilde = i < 3 ? rest.find('~') : std::string_view::npos;
    if (i < 3 && tilde == std::string_view::npos) return std::nullopt;
    parts[i] = rest.substr(0, tilde);
    rest = i < 3 ? rest.substr(tilde + 1) : std::string_view();
  }
  TimeIndexEntry out;
  uint64_t ms = 0;
  if (!ParseU64(parts[0], 13, &ms)) return std::nullopt;
  out.accepted_unix_ms = static_cast<int64_t>(ms);
  auto agent = UnescapeSegment(parts[1]);
  auto boot = UnescapeSegment(parts[2]);
  if (!agent || !boot || agent->empty() || boot->empty()) return std::nullopt;
  out.identity.agent_id = std::move(*agent);
  out.identity.boot_id = std::move(*boot);
  if (!ParseSeqRange(parts[3], &out.identity)) return std::nullopt;
  if (HourPartition(out.accepted_unix_ms) != partition) return std::nullopt;
  return out;
}

std::string AcceptedByBlobKey(std::string_view sha256_hex, const protocol::BatchIdentity& id) {
  return fmt::format("{}{}/{}~{}~{}", kAcceptedByBlobPrefix, sha256_hex, EscapeSegment(id.agent_id),
                     EscapeSegment(id.boot_id), SeqRange(id));
}

std::string RawByTimeKey(int64_t accepted_unix_ms, std::string_view sha256_hex) {
  return fmt::format("{}{}{:013}~{}", kRawByTimePrefix, HourPartition(accepted_unix_ms),
                     accepted_unix_ms, sha256_hex);
}

std::string QuarantineKey(const protocol::BatchIdentity& id, std::string_view sha256_hex) {
  return fmt::format("{}{}/{}/{}/{}.frame", kQuarantinePrefix, EscapeSegment(id.agent_id),
                     EscapeSegment(id.boot_id), SeqRange(id), sha256_hex);
}

}  // namespace lm::objectstore
