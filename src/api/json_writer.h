// A streaming JSON writer that appends to a string without building a document tree, for
// responses that may hold millions of points. The caller is responsible for well-formed
// nesting; commas are inserted automatically. Thread compatible.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lm::api {

class JsonWriter {
 public:
  explicit JsonWriter(std::string* out) : out_(out) {}

  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  // Writes an object key; the next value call writes its value.
  JsonWriter& Key(std::string_view key);
  JsonWriter& String(std::string_view s);
  JsonWriter& Int(int64_t v);
  JsonWriter& Uint(uint64_t v);
  JsonWriter& Bool(bool v);
  JsonWriter& Null();
  // Writes a JSON number; non-finite values are written as null (use String for Prometheus
  // sample values, which are strings).
  JsonWriter& Double(double v);
  // Writes already-serialized JSON as the next value.
  JsonWriter& Raw(std::string_view json);

 private:
  void Separate();

  std::string* out_;
  std::vector<bool> first_;  // per open container: no element written yet
  bool after_key_ = false;
};

// Appends `s` as a quoted JSON string with escapes; invalid UTF-8 bytes become U+FFFD.
void AppendJsonString(std::string* out, std::string_view s);

}  // namespace lm::api
