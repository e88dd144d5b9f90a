// Feeds arbitrary text to the PromQL parser: it must return an expression or an error.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "promql/parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto r = lm::promql::ParseExpr(std::string_view(reinterpret_cast<const char*>(data), size));
  (void)r.ok();
  return 0;
}
