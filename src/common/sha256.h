// SHA-256 for content addressing (raw blob keys, duplicate detection). Thread safe.
#pragma once

#include <string>
#include <string_view>

namespace lm {

// Returns the 64-character lowercase hex SHA-256 of `data`.
std::string Sha256Hex(std::string_view data);

// SHA-256 over data fed in pieces. Thread compatible.
class Sha256Stream {
 public:
  Sha256Stream();
  ~Sha256Stream();
  Sha256Stream(const Sha256Stream&) = delete;
  Sha256Stream& operator=(const Sha256Stream&) = delete;

  void Update(std::string_view data);
  // The hex digest of everything fed; the stream must not be used afterwards.
  std::string FinishHex();

 private:
  void* ctx_;  // EVP_MD_CTX
};

}  // namespace lm
