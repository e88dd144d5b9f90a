// Feeds arbitrary text to the PromQL parser: it must return an expression or an error, and an
// expression must survive Format: parse(Format(e)) parses and formats to the same text.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "promql/ast.h"
#include "promql/parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view query(reinterpret_cast<const char*>(data), size);
  auto parsed = lm::promql::ParseExpr(query);
  if (!parsed.ok()) return 0;
  std::string text = lm::promql::Format(**parsed);
  auto again = lm::promql::ParseExpr(text);
  if (!again.ok()) {
    std::fprintf(stderr, "Format output does not parse: %s\n%s\n", again.error().message().c_str(),
                 text.c_str());
    std::abort();
  }
  if (lm::promql::Format(**again) != text || (*again)->type() != (*parsed)->type()) {
    std::fprintf(stderr, "Format round trip differs:\n%s\n%s\n", text.c_str(),
                 lm::promql::Format(**again).c_str());
    std::abort();
  }
  return 0;
}
