// A temporary directory for one test, removed with its contents on destruction.
#pragma once

#include <fcntl.h>
#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace lm {

class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base ? base : "/tmp") + "/lmtest-XXXXXX";
    char* p = ::mkdtemp(tmpl.data());
    if (p == nullptr) std::abort();
    path_ = p;
  }
  // LM_KEEP_TEST_DIRS=1 keeps the directories for post-mortem inspection.
  ~TempDir() {
    if (std::getenv("LM_KEEP_TEST_DIRS") != nullptr) return;
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string Path(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace lm
