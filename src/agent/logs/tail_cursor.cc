#include "agent/logs/tail_cursor.h"

#include <cassert>
#include <exception>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace lm::agent::logs {
namespace {

// {"v":2,"inputs":[{"name":..,"path":..,"dev":..,"ino":..,"offset":..,"fp_len":..,
//  "fp":"<16 hex digits>"[,"drain_since_ms":..]}, ...]}. The fingerprint is a hex string so
// that tools reading the JSON as doubles do not round it. An entry with drain_since_ms is a
// draining file of the input (version 2; version 1 has none).
constexpr int kVersion = 2;

Status Invalid(std::string_view why) {
  return InvalidArgument(fmt::format("invalid tail cursor: {}", why));
}

bool GetUint(const nlohmann::json& object, const char* field, uint64_t* out) {
  auto it = object.find(field);
  if (it == object.end() || !it->is_number_unsigned()) return false;
  *out = it->get<uint64_t>();
  return true;
}

bool GetString(const nlohmann::json& object, const char* field, std::string* out) {
  auto it = object.find(field);
  if (it == object.end() || !it->is_string()) return false;
  *out = it->get<std::string>();
  return true;
}

bool ParseHex64(std::string_view text, uint64_t* out) {
  if (text.size() != 16) return false;
  uint64_t v = 0;
  for (char c : text) {
    int digit;
    if (c >= '0' && c <= '9') {
      digit = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      digit = c - 'a' + 10;
    } else {
      return false;
    }
    v = (v << 4) | static_cast<uint64_t>(digit);
  }
  *out = v;
  return true;
}

Result<TailCursor> DecodeJson(std::string_view text) {
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return Invalid("not a JSON object");
  uint64_t version = 0;
  if (!GetUint(doc, "v", &version) || (version != 1 && version != kVersion)) {
    return Invalid("unknown version");
  }
  auto inputs = doc.find("inputs");
  if (inputs == doc.end() || !inputs->is_array()) return Invalid("\"inputs\" is not an array");
  TailCursor cursor;
  for (const nlohmann::json& entry : *inputs) {
    if (!entry.is_object()) return Invalid("an input entry is not an object");
    std::string name;
    std::string path;
    std::string fp;
    FilePosition pos;
    uint64_t fp_len = 0;
    if (!GetString(entry, "name", &name) || !GetString(entry, "path", &path) ||
        !GetUint(entry, "dev", &pos.dev) || !GetUint(entry, "ino", &pos.ino) ||
        !GetUint(entry, "offset", &pos.offset) || !GetUint(entry, "fp_len", &fp_len) ||
        !GetString(entry, "fp", &fp)) {
      return Invalid("an input entry lacks a field or has a field of the wrong type");
    }
    if (name.empty() || name.find('\n') != std::string::npos) return Invalid("bad input name");
    if (path.find('\n') != std::string::npos) return Invalid("bad input path");
    if (fp_len > kFingerprintBytes || fp_len > pos.offset) {
      return Invalid(fmt::format("fingerprint of {} bytes before offset {}", fp_len, pos.offset));
    }
    pos.fingerprint_len = static_cast<uint32_t>(fp_len);
    if (!ParseHex64(fp, &pos.fingerprint)) return Invalid("fingerprint is not 16 hex digits");
    std::string key = TailCursor::Key(name, path);
    if (auto since = entry.find("drain_since_ms"); since != entry.end()) {
      if (version < 2 || !since->is_number_integer()) return Invalid("bad drain_since_ms");
      pos.idle_since_ms = since->get<int64_t>();
      key = TailCursor::DrainKey(name, path, pos.dev, pos.ino);
    }
    if (!cursor.mutable_positions().emplace(std::move(key), pos).second) {
      return Invalid(fmt::format("input \"{}\" at {} occurs twice", name, path));
    }
  }
  return cursor;
}

}  // namespace

std::string TailCursor::Key(std::string_view input_name, std::string_view path) {
  std::string key;
  key.reserve(input_name.size() + 1 + path.size());
  key.append(input_name);
  key.push_back('\n');
  key.append(path);
  return key;
}

std::string TailCursor::DrainKey(std::string_view input_name, std::string_view path, uint64_t dev,
                                 uint64_t ino) {
  return fmt::format("{}\n{}:{}", Key(input_name, path), dev, ino);
}

bool TailCursor::IsDrainKeyOf(std::string_view key, std::string_view input_key) {
  return key.size() > input_key.size() + 1 && key.starts_with(input_key) &&
         key[input_key.size()] == '\n';
}

std::string TailCursor::Encode() const {
  nlohmann::json inputs = nlohmann::json::array();
  for (const auto& [key, pos] : positions_) {
    std::string_view k = key;
    size_t nl = k.find('\n');
    std::string_view name = k.substr(0, nl);
    std::string_view rest = nl == std::string_view::npos ? std::string_view() : k.substr(nl + 1);
    size_t drain = rest.find('\n');
    nlohmann::json entry = {{"name", std::string(name)},
                            {"path", std::string(rest.substr(0, drain))},
                            {"dev", pos.dev},
                            {"ino", pos.ino},
                            {"offset", pos.offset},
                            {"fp_len", pos.fingerprint_len},
                            {"fp", fmt::format("{:016x}", pos.fingerprint)}};
    if (drain != std::string_view::npos) entry["drain_since_ms"] = pos.idle_since_ms;
    inputs.push_back(std::move(entry));
  }
  nlohmann::json doc = {{"v", kVersion}, {"inputs", std::move(inputs)}};
  return doc.dump();
}

Result<TailCursor> TailCursor::Decode(std::string_view text) {
  if (text.empty()) return TailCursor();
  try {
    return DecodeJson(text);
  } catch (const std::exception& e) {
    return Invalid(e.what());
  }
}

CursorTrail::CursorTrail(TailCursor start) : start_(std::move(start)), end_(start_) {}

TailCursor CursorTrail::At(size_t k) const {
  if (k >= records_) return end_;
  TailCursor cursor = start_;
  for (const Change& change : changes_) {
    if (change.point > k) break;
    if (change.erase) {
      cursor.mutable_positions().erase(keys_[change.key]);
    } else {
      cursor.mutable_positions()[keys_[change.key]] = change.position;
    }
  }
  return cursor;
}

uint32_t CursorTrail::AddKey(std::string key) {
  keys_.push_back(std::move(key));
  return static_cast<uint32_t>(keys_.size() - 1);
}

void CursorTrail::Set(uint32_t key, const FilePosition& position) {
  changes_.push_back({records_, key, false, position});
  end_.mutable_positions()[keys_[key]] = position;
}

void CursorTrail::Erase(uint32_t key) {
  changes_.push_back({records_, key, true, {}});
  end_.mutable_positions().erase(keys_[key]);
}

void CursorTrail::Restore(const Mark& mark) {
  assert(records_ == mark.records && changes_.size() >= mark.changes);
  changes_.resize(mark.changes);
  end_ = mark.end;
}

}  // namespace lm::agent::logs
