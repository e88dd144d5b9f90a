// Generates a CA and a server certificate for loopback with scripts/gen-tls.
#pragma once

#include <cstdlib>
#include <string>

namespace lm::testing {

struct TlsFiles {
  std::string ca_cert;
  std::string server_cert;
  std::string server_key;
};

// Returns false when generation failed (openssl missing).
inline bool MakeTlsFiles(const std::string& dir, TlsFiles* out) {
  std::string cmd = std::string(LM_SOURCE_DIR) + "/scripts/gen-tls '" + dir + "' >/dev/null";
  if (std::system(cmd.c_str()) != 0) return false;
  out->ca_cert = dir + "/ca.crt";
  out->server_cert = dir + "/server.crt";
  out->server_key = dir + "/server.key";
  return true;
}

}  // namespace lm::testing
