// Feeds arbitrary text to both TOML config parsers: each must return a config or an error.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "config/agent_config.h"
#include "config/collector_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)lm::config::ParseCollectorConfig(text, "/fuzz/server.toml").ok();
  (void)lm::config::ParseAgentConfig(text, "/fuzz/agent.toml").ok();
  return 0;
}
