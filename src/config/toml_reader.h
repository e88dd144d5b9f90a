// Internal to src/config: typed, position-aware reading of a parsed TOML document shared by
// the collector and agent loaders. Every error is InvalidArgument with the message
// "<file>:<line>:<col>: <dotted.key>: <reason>". Nothing here throws: toml++ exceptions are
// caught in ParseToml and turned into a Status.
//
// A TableReader is a non-owning view: the toml::table it was built from (ultimately the
// document returned by ParseToml) and the file name string must outlive it. Views are
// thread compatible.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "common/result.h"

namespace lm::config::internal {

// Parses `text`. On a syntax error returns InvalidArgument "file:line:col: invalid TOML:
// <description>" where file is `source_path`.
Result<toml::table> ParseToml(std::string_view text, const std::string& source_path);

class TableReader {
 public:
  // The view of a document's root table. `file` names the document in errors and anchors
  // relative paths (see GetPath).
  TableReader(const toml::table& root, const std::string& file);

  // False when the table does not occur in the document; getters then leave their outputs
  // unchanged and errors point at the nearest enclosing table that does occur.
  bool present() const { return table_ != nullptr; }
  // Dotted path of this table, "" for the root, e.g. "ingest" or "ingest.agents[1]".
  const std::string& path() const { return path_; }

  bool Has(std::string_view key) const;

  // Rejects every key that is not in `allowed`. A key whose name looks like a secret
  // (token, password, secret, key...) and holds a string is refused as an inline secret; the
  // message suggests the matching *_file key from `allowed`, or `secret_hint` when none
  // matches. When several keys are wrong the first one in the document is reported.
  Status CheckKeys(std::initializer_list<std::string_view> allowed,
                   std::string_view secret_hint = {}) const;

  // The typed getters leave `*out` unchanged when the key is absent and return
  // InvalidArgument when the value has the wrong type or does not fit the output type.
  Status GetString(std::string_view key, std::string* out) const;
  Status GetBool(std::string_view key, bool* out) const;
  Status GetUint32(std::string_view key, uint32_t* out) const;
  Status GetUint64(std::string_view key, uint64_t* out) const;
  // A non-empty string naming a file or directory. A relative path is resolved against the
  // directory of the document's file.
  Status GetPath(std::string_view key, std::string* out) const;

  // The sub-table `key`; a reader with present() == false when it is absent.
  Result<TableReader> GetTable(std::string_view key) const;
  // The array of tables `key`; empty when absent.
  Result<std::vector<TableReader>> GetTableArray(std::string_view key) const;

  // InvalidArgument "required" when `key` is absent.
  Status Require(std::string_view key) const;
  // InvalidArgument "must be >= min (got value)" when value < min.
  Status CheckAtLeast(std::string_view key, uint64_t value, uint64_t min) const;
  // InvalidArgument "must be between min and max (got value)" outside [min, max].
  Status CheckBetween(std::string_view key, uint64_t value, uint64_t min, uint64_t max) const;

  // InvalidArgument "file:line:col: path.key: reason", positioned at the key when it is
  // present and at this table otherwise.
  Status Error(std::string_view key, std::string_view reason) const;
  // "path.key", or "key" at the root.
  std::string KeyPath(std::string_view key) const;
  // The 1-based line of `key`, or of this table when the key is absent.
  uint32_t LineOf(std::string_view key) const;

 private:
  TableReader(const toml::table* table, std::string path, const std::string* file,
              const toml::source_region& region);

  struct Located {
    const toml::node* node = nullptr;
    uint32_t line = 1;
    uint32_t column = 1;
  };
  Located Find(std::string_view key) const;
  Result<int64_t> GetInteger(std::string_view key, const toml::node& node) const;

  const toml::table* table_;
  std::string path_;
  const std::string* file_;
  uint32_t line_ = 1;
  uint32_t column_ = 1;
};

// "file:line:col: what: reason" as an InvalidArgument status.
Status PositionedError(const std::string& file, uint32_t line, uint32_t column,
                       std::string_view what, std::string_view reason);

// `path` unchanged when absolute, else joined to the directory of `source_path`.
std::string ResolvePath(const std::string& source_path, const std::string& path);

// 1 to protocol::kMaxAgentIdBytes characters of [A-Za-z0-9._-].
bool IsValidAgentId(std::string_view id);
inline constexpr std::string_view kAgentIdRule = "must be 1-128 characters of [A-Za-z0-9._-]";

// Validates an optional log_level key of `table` (trace|debug|info|warn|error|off) and
// stores it in `*out`.
Status GetLogLevel(const TableReader& table, std::string_view key, std::string* out);

}  // namespace lm::config::internal
