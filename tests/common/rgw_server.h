// A real S3-compatible server for tests: a throw-away Ceph RADOS Gateway started with
// tests/s3/rgw-up.sh on free loopback ports and stopped with rgw-down.sh. Start() returns
// an error text ("" on success).
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "tests/common/free_port.h"
#include "tests/common/temp_dir.h"

namespace lm::testing {

class RgwServer {
 public:
  static constexpr const char* kAccessKey = "lmtestaccess";
  static constexpr const char* kSecretKey = "lmtestsecret0123456789";

  ~RgwServer() { Stop(); }

  std::string Start() {
    port_ = FreeLoopbackPort();
    const int mon_port = FreeLoopbackPort();
    const std::string cmd = fmt::format(
        "LM_RGW_MON_PORT={} {}/tests/s3/rgw-up.sh '{}' {} {} {} > '{}' 2>&1", mon_port,
        LM_SOURCE_DIR, dir_.Path("rgw"), port_, kAccessKey, kSecretKey, dir_.Path("up.log"));
    if (std::system(cmd.c_str()) != 0) {
      std::string log;
      if (std::FILE* f = std::fopen(dir_.Path("up.log").c_str(), "r")) {
        char buf[4096];
        size_t n;
        while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) log.append(buf, n);
        std::fclose(f);
      }
      return "rgw-up.sh failed:\n" + log;
    }
    running_ = true;
    return "";
  }

  void Stop() {
    if (!running_) return;
    running_ = false;
    const std::string cmd = fmt::format("{}/tests/s3/rgw-down.sh '{}' >/dev/null 2>&1",
                                        LM_SOURCE_DIR, dir_.Path("rgw"));
    if (std::system(cmd.c_str()) != 0) std::fprintf(stderr, "rgw-down.sh failed\n");
  }

  // Stops or starts only the gateway (objects are kept): an S3 outage. False on failure.
  bool Gateway(const std::string& action) {
    const std::string cmd =
        fmt::format("{}/tests/s3/rgw-gateway.sh '{}' {} >>'{}' 2>&1", LM_SOURCE_DIR,
                    dir_.Path("rgw"), action, dir_.Path("gateway.log"));
    return std::system(cmd.c_str()) == 0;
  }

  std::string endpoint() const { return fmt::format("http://127.0.0.1:{}", port_); }
  int port() const { return port_; }
  std::string dir() const { return dir_.Path("rgw"); }

 private:
  TempDir dir_;
  int port_ = 0;
  bool running_ = false;
};

}  // namespace lm::testing
