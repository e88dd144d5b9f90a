// LocalInstall with gtest assertions, for the end-to-end tests.
#pragma once

#include <gtest/gtest.h>

#include "tests/common/local_install.h"

namespace lm::testing {

class E2eEnv : public LocalInstall {
 public:
  E2eEnv() { EXPECT_TRUE(tls_ok()) << "scripts/gen-tls failed"; }

  // Starts lm-collector and waits until it reports its ports; fails the test otherwise.
  void StartCollector() {
    std::string error = LocalInstall::StartCollector();
    ASSERT_TRUE(error.empty()) << error;
  }

  // SIGTERM and wait; expects a clean exit.
  void StopCollector() { EXPECT_EQ(LocalInstall::StopCollector(), 0) << CollectorLog(); }
};

}  // namespace lm::testing
