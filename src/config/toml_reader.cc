#include "config/toml_reader.h"

#include <optional>
#include <utility>

#include <algorithm>
#include <array>
#include <exception>
#include <limits>
#include <utility>

#include <fmt/format.h>

#include "common/file_util.h"
#include "protocol/limits.h"

namespace lm::config::internal {
namespace {

std::string_view TypeName(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::none:
      return "nothing";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
  }
  return "an unknown type";
}

Status WrongType(const TableReader& t, std::string_view key, std::string_view expected,
                 const toml::node& got) {
  return t.Error(key, fmt::format("expected {}, got {}", expected, TypeName(got)));
}

// Positions are 1-based; toml++ leaves them 0 for nodes it did not read from the text.
bool HasPosition(const toml::source_region& r) { return r.begin.line > 0 && r.begin.column > 0; }

std::vector<std::string> SplitWords(std::string_view name) {
  std::vector<std::string> words;
  std::string word;
  for (char c : name) {
    if (c == '_' || c == '-') {
      if (!word.empty()) words.push_back(std::move(word));
      word.clear();
    } else {
      word.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c));
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  return words;
}

bool Contains(const std::vector<std::string>& words, std::string_view w) {
  return std::find(words.begin(), words.end(), w) != words.end();
}

// A key that would hold a secret value itself rather than the path of a file holding it.
bool IsSecretName(std::string_view name) {
  static constexpr std::array<std::string_view, 9> kSecretWords = {
      "token", "password", "passwd",     "passphrase", "secret",
      "key",   "apikey",   "credential", "credentials"};
  static constexpr std::array<std::string_view, 5> kReferenceWords = {"file", "path", "dir", "id",
                                                                      "url"};
  std::vector<std::string> words = SplitWords(name);
  if (words.empty()) return false;
  if (std::find(kReferenceWords.begin(), kReferenceWords.end(), words.back()) !=
      kReferenceWords.end()) {
    return false;
  }
  return std::any_of(words.begin(), words.end(), [](const std::string& w) {
    return std::find(kSecretWords.begin(), kSecretWords.end(), w) != kSecretWords.end();
  });
}

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

// The allowed key closest to `name` when it looks like a misspelling of it, else "".
std::string_view ClosestKey(std::string_view name,
                            std::initializer_list<std::string_view> allowed) {
  std::string_view best;
  size_t best_distance = 3;  // only close misspellings
  for (std::string_view candidate : allowed) {
    size_t d = EditDistance(name, candidate);
    if (d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  }
  return best;
}

struct Violation {
  uint32_t line;
  uint32_t column;
  std::string what;
  std::string reason;
};

constexpr std::string_view kGenericSecretHint = "put the secret in a file and reference its path";

// Collects inline secrets anywhere below `node` (used inside tables the schema does not
// know, where no *_file key can be suggested).
void ScanForSecrets(const toml::node& node, const std::string& path, std::vector<Violation>* out) {
  if (const toml::table* table = node.as_table()) {
    for (auto&& [k, v] : *table) {
      std::string child = path.empty() ? std::string(k.str()) : path + "." + std::string(k.str());
      if (IsSecretName(k.str()) && v.is_string()) {
        const toml::source_region& r = HasPosition(k.source()) ? k.source() : v.source();
        out->push_back({std::max<uint32_t>(r.begin.line, 1), std::max<uint32_t>(r.begin.column, 1),
                        child,
                        fmt::format("inline secrets are not allowed; {}", kGenericSecretHint)});
      } else {
        ScanForSecrets(v, child, out);
      }
    }
  } else if (const toml::array* array = node.as_array()) {
    for (size_t i = 0; i < array->size(); ++i) {
      ScanForSecrets(*array->get(i), fmt::format("{}[{}]", path, i), out);
    }
  }
}

}  // namespace

namespace {

// Where (1-based line and byte column) the first character is that the TOML parser must not
// see: a non-ASCII byte outside strings and comments (never valid TOML), or right after a
// backslash in a basic string, or after a line-ending backslash and its whitespace. The
// parser's whitespace test has undefined behaviour for some non-ASCII code points, so such
// text is refused before it is parsed. A leading UTF-8 byte order mark is allowed.
std::optional<std::pair<uint32_t, size_t>> UnsafeForParser(std::string_view s) {
  enum class State { kCode, kComment, kBasic, kLiteral, kMlBasic, kMlLiteral };
  State st = State::kCode;
  uint32_t line = 1;
  size_t line_start = 0;
  size_t i = s.starts_with("\xEF\xBB\xBF") ? 3 : 0;
  auto high = [&](size_t at) { return at < s.size() && static_cast<unsigned char>(s[at]) >= 0x80; };
  auto at = [&](size_t pos) { return std::make_pair(line, pos - line_start + 1); };
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '\n') {
      ++line;
      line_start = i + 1;
      if (st == State::kComment || st == State::kBasic || st == State::kLiteral) st = State::kCode;
      continue;
    }
    switch (st) {
      case State::kCode:
        if (high(i)) return at(i);
        if (c == '#') {
          st = State::kComment;
        } else if (c == '"') {
          st = s.substr(i, 3) == "\"\"\"" ? State::kMlBasic : State::kBasic;
          if (st == State::kMlBasic) i += 2;
        } else if (c == '\'') {
          st = s.substr(i, 3) == "'''" ? State::kMlLiteral : State::kLiteral;
          if (st == State::kMlLiteral) i += 2;
        }
        break;
      case State::kComment:
        break;
      case State::kBasic:
      case State::kMlBasic:
        if (c == '\\') {
          if (high(i + 1)) return at(i + 1);
          size_t j = i + 1;
          bool newline = false;
          while (j < s.size() && (s[j] == ' ' || s[j] == '\t' || s[j] == '\r' || s[j] == '\n')) {
            if (s[j] == '\n') {
              newline = true;
              ++line;
              line_start = j + 1;
            }
            ++j;
          }
          if (j > i + 1 && high(j)) return at(j);
          if (newline && st == State::kBasic) st = State::kCode;
          i = j > i + 1 ? j - 1 : i + 1;
        } else if (c == '"') {
          if (st == State::kBasic) {
            st = State::kCode;
          } else if (s.substr(i, 3) == "\"\"\"") {
            size_t j = i + 3;
            while (j < s.size() && j < i + 5 && s[j] == '"')
              ++j;  // quotes before the closing three
            i = j - 1;
            st = State::kCode;
          }
        }
        break;
      case State::kLiteral:
        if (c == '\'') st = State::kCode;
        break;
      case State::kMlLiteral:
        if (s.substr(i, 3) == "'''") {
          size_t j = i + 3;
          while (j < s.size() && j < i + 5 && s[j] == '\'') ++j;
          i = j - 1;
          st = State::kCode;
        }
        break;
    }
  }
  return std::nullopt;
}

}  // namespace

Result<toml::table> ParseToml(std::string_view text, const std::string& source_path) {
  if (auto where = UnsafeForParser(text)) {
    return PositionedError(source_path, where->first, static_cast<uint32_t>(where->second),
                           "invalid TOML",
                           "non-ASCII character outside a string or comment, or after a "
                           "backslash escape");
  }
  try {
    return toml::parse(text, source_path);
  } catch (const toml::parse_error& e) {
    const toml::source_region& r = e.source();
    return PositionedError(source_path, std::max<uint32_t>(r.begin.line, 1),
                           std::max<uint32_t>(r.begin.column, 1), "invalid TOML", e.description());
  } catch (const std::exception& e) {
    return Internal(fmt::format("{}: parsing TOML failed: {}", source_path, e.what()));
  }
}

Status PositionedError(const std::string& file, uint32_t line, uint32_t column,
                       std::string_view what, std::string_view reason) {
  return InvalidArgument(fmt::format("{}:{}:{}: {}: {}", file, line, column, what, reason));
}

TableReader::TableReader(const toml::table& root, const std::string& file)
    : table_(&root), file_(&file) {
  if (HasPosition(root.source())) {
    line_ = root.source().begin.line;
    column_ = root.source().begin.column;
  }
}

TableReader::TableReader(const toml::table* table, std::string path, const std::string* file,
                         const toml::source_region& region)
    : table_(table), path_(std::move(path)), file_(file) {
  if (HasPosition(region)) {
    line_ = region.begin.line;
    column_ = region.begin.column;
  }
}

bool TableReader::Has(std::string_view key) const {
  return table_ != nullptr && table_->contains(key);
}

TableReader::Located TableReader::Find(std::string_view key) const {
  Located loc{nullptr, line_, column_};
  if (table_ == nullptr) return loc;
  auto it = table_->find(key);
  if (it == table_->end()) return loc;
  loc.node = &it->second;
  const toml::source_region& r =
      HasPosition(it->first.source()) ? it->first.source() : it->second.source();
  if (HasPosition(r)) {
    loc.line = r.begin.line;
    loc.column = r.begin.column;
  }
  return loc;
}

std::string TableReader::KeyPath(std::string_view key) const {
  if (path_.empty()) return std::string(key);
  return fmt::format("{}.{}", path_, key);
}

uint32_t TableReader::LineOf(std::string_view key) const { return Find(key).line; }

Status TableReader::Error(std::string_view key, std::string_view reason) const {
  Located loc = Find(key);
  return PositionedError(*file_, loc.line, loc.column, KeyPath(key), reason);
}

Status TableReader::CheckKeys(std::initializer_list<std::string_view> allowed,
                              std::string_view secret_hint) const {
  if (table_ == nullptr) return Status::Ok();
  std::vector<Violation> violations;
  for (auto&& [k, v] : *table_) {
    std::string_view name = k.str();
    if (std::find(allowed.begin(), allowed.end(), name) != allowed.end()) continue;
    Located loc = Find(name);
    std::string_view closest = ClosestKey(name, allowed);
    // "token_flie" is a misspelt token_file, not an inline token.
    if (closest.empty() && IsSecretName(name) && v.is_string()) {
      std::vector<std::string> words = SplitWords(name);
      std::string_view wanted = Contains(words, "key") ? "key" : "token";
      std::string hint;
      for (std::string_view candidate : allowed) {
        std::vector<std::string> cw = SplitWords(candidate);
        if (!cw.empty() && cw.back() == "file" && Contains(cw, wanted)) {
          hint = fmt::format("put the secret in a file and set {}", KeyPath(candidate));
          break;
        }
      }
      if (hint.empty()) hint = secret_hint.empty() ? kGenericSecretHint : secret_hint;
      violations.push_back({loc.line, loc.column, KeyPath(name),
                            fmt::format("inline secrets are not allowed; {}", hint)});
      continue;
    }
    size_t before = violations.size();
    ScanForSecrets(v, KeyPath(name), &violations);
    if (violations.size() != before) continue;
    std::string reason = v.is_table() || (v.is_array() && v.as_array()->is_array_of_tables())
                             ? "unknown table"
                             : "unknown key";
    if (!closest.empty()) reason += fmt::format(" (did you mean \"{}\"?)", closest);
    violations.push_back({loc.line, loc.column, KeyPath(name), std::move(reason)});
  }
  if (violations.empty()) return Status::Ok();
  const Violation& first =
      *std::min_element(violations.begin(), violations.end(), [](const auto& a, const auto& b) {
        return std::pair(a.line, a.column) < std::pair(b.line, b.column);
      });
  return PositionedError(*file_, first.line, first.column, first.what, first.reason);
}

Status TableReader::GetString(std::string_view key, std::string* out) const {
  Located loc = Find(key);
  if (loc.node == nullptr) return Status::Ok();
  const auto* s = loc.node->as_string();
  if (s == nullptr) return WrongType(*this, key, "a string", *loc.node);
  *out = s->get();
  return Status::Ok();
}

Status TableReader::GetBool(std::string_view key, bool* out) const {
  Located loc = Find(key);
  if (loc.node == nullptr) return Status::Ok();
  const auto* b = loc.node->as_boolean();
  if (b == nullptr) return WrongType(*this, key, "a boolean", *loc.node);
  *out = b->get();
  return Status::Ok();
}

Result<int64_t> TableReader::GetInteger(std::string_view key, const toml::node& node) const {
  const auto* i = node.as_integer();
  if (i == nullptr) return WrongType(*this, key, "an integer", node);
  return i->get();
}

Status TableReader::GetUint32(std::string_view key, uint32_t* out) const {
  uint64_t v = *out;
  LM_RETURN_IF_ERROR(GetUint64(key, &v));
  if (v > std::numeric_limits<uint32_t>::max()) {
    return Error(key,
                 fmt::format("must be <= {} (got {})", std::numeric_limits<uint32_t>::max(), v));
  }
  *out = static_cast<uint32_t>(v);
  return Status::Ok();
}

Status TableReader::GetUint64(std::string_view key, uint64_t* out) const {
  Located loc = Find(key);
  if (loc.node == nullptr) return Status::Ok();
  LM_ASSIGN_OR_RETURN(int64_t v, GetInteger(key, *loc.node));
  if (v < 0) return Error(key, fmt::format("must be >= 0 (got {})", v));
  *out = static_cast<uint64_t>(v);
  return Status::Ok();
}

Status TableReader::GetPath(std::string_view key, std::string* out) const {
  if (!Has(key)) return Status::Ok();
  std::string value;
  LM_RETURN_IF_ERROR(GetString(key, &value));
  if (value.empty()) return Error(key, "must not be empty");
  *out = ResolvePath(*file_, value);
  return Status::Ok();
}

Result<TableReader> TableReader::GetTable(std::string_view key) const {
  Located loc = Find(key);
  if (loc.node == nullptr) {
    toml::source_region here;
    here.begin = {line_, column_};
    return TableReader(nullptr, KeyPath(key), file_, here);
  }
  const toml::table* t = loc.node->as_table();
  if (t == nullptr) return WrongType(*this, key, "a table", *loc.node);
  toml::source_region region = t->source();
  if (!HasPosition(region)) region.begin = {loc.line, loc.column};
  return TableReader(t, KeyPath(key), file_, region);
}

Result<std::vector<TableReader>> TableReader::GetTableArray(std::string_view key) const {
  std::vector<TableReader> out;
  Located loc = Find(key);
  if (loc.node == nullptr) return out;
  const toml::array* a = loc.node->as_array();
  if (a == nullptr) {
    return WrongType(*this, key, fmt::format("an array of tables ([[{}]])", KeyPath(key)),
                     *loc.node);
  }
  for (size_t i = 0; i < a->size(); ++i) {
    const toml::node& element = *a->get(i);
    std::string element_path = fmt::format("{}[{}]", KeyPath(key), i);
    const toml::table* t = element.as_table();
    if (t == nullptr) {
      return Error(key, fmt::format("expected an array of tables ([[{}]]), but element {} is {}",
                                    KeyPath(key), i, TypeName(element)));
    }
    toml::source_region region = t->source();
    if (!HasPosition(region)) region.begin = {loc.line, loc.column};
    out.push_back(TableReader(t, std::move(element_path), file_, region));
  }
  return out;
}

Status TableReader::Require(std::string_view key) const {
  if (Has(key)) return Status::Ok();
  return Error(key, "required key is missing");
}

Status TableReader::CheckAtLeast(std::string_view key, uint64_t value, uint64_t min) const {
  if (value >= min) return Status::Ok();
  return Error(key, fmt::format("must be >= {} (got {})", min, value));
}

Status TableReader::CheckBetween(std::string_view key, uint64_t value, uint64_t min,
                                 uint64_t max) const {
  if (value >= min && value <= max) return Status::Ok();
  return Error(key, fmt::format("must be between {} and {} (got {})", min, max, value));
}

std::string ResolvePath(const std::string& source_path, const std::string& path) {
  if (path.empty() || path.front() == '/') return path;
  std::string dir = DirName(source_path);
  if (dir == ".") return path;
  return JoinPath(dir, path);
}

static_assert(protocol::kMaxAgentIdBytes == 128, "kAgentIdRule states the bound");

bool IsValidAgentId(std::string_view id) {
  if (id.empty() || id.size() > protocol::kMaxAgentIdBytes) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

Status GetLogLevel(const TableReader& table, std::string_view key, std::string* out) {
  static constexpr std::array<std::string_view, 6> kLevels = {"trace", "debug", "info",
                                                              "warn",  "error", "off"};
  std::string level = *out;
  LM_RETURN_IF_ERROR(table.GetString(key, &level));
  if (std::find(kLevels.begin(), kLevels.end(), level) == kLevels.end()) {
    return table.Error(key, fmt::format("must be one of trace, debug, info, warn, error, off "
                                        "(got \"{}\")",
                                        level));
  }
  *out = std::move(level);
  return Status::Ok();
}

}  // namespace lm::config::internal
