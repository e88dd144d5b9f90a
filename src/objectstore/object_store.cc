#include "objectstore/object_store.h"

#include <fmt/format.h>

#include "common/utf8.h"

namespace lm::objectstore {

Status ValidateKey(std::string_view key) {
  auto bad = [&](std::string_view why) {
    return InvalidArgument(fmt::format("object key \"{}\": {}", key.substr(0, 200), why));
  };
  if (key.empty()) return bad("is empty");
  if (key.size() > 1024) return bad("is longer than 1024 bytes");
  if (!IsValidUtf8(key)) return bad("is not valid UTF-8");
  for (char c : key) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return bad("contains a control byte");
  }
  if (key.front() == '/' || key.back() == '/') return bad("starts or ends with '/'");
  size_t start = 0;
  while (start <= key.size()) {
    size_t end = key.find('/', start);
    if (end == std::string_view::npos) end = key.size();
    std::string_view segment = key.substr(start, end - start);
    if (segment.empty()) return bad("has an empty segment");
    if (segment == "." || segment == "..") return bad("has a '.' or '..' segment");
    if (segment.starts_with(".tmp-")) return bad("has a segment starting with \".tmp-\"");
    start = end + 1;
  }
  return Status::Ok();
}

}  // namespace lm::objectstore
