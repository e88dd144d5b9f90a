#include "agent/collectors/host_identity.h"

#include <gtest/gtest.h>

#include "tests/agent/collectors/collector_test_util.h"

namespace lm::agent {
namespace {

TEST(HostIdentityTest, ReadsFixtureIdsAndFillsTheRest) {
  HostIdentitySources sources;
  sources.proc_root = FixtureProc();
  sources.machine_id_path = std::string(LM_TEST_DATA_DIR) + "/fixtures/etc/machine-id";
  protocol::HostIdentity host = ReadHostIdentity(sources);
  EXPECT_EQ(host.machine_id, "3d1219c7c4c5404aaa1f6d2a48adfda4");
  EXPECT_EQ(host.kernel_boot_id, "8b819ae1-61cc-4779-b1f2-09b33e155ae0");
  EXPECT_EQ(host.os, "linux");
  EXPECT_EQ(host.agent_version, "0.1.0");
  EXPECT_FALSE(host.hostname.empty());
  EXPECT_FALSE(host.arch.empty());
}

TEST(HostIdentityTest, MissingSourcesLeaveFieldsEmpty) {
  TempDir dir;
  protocol::HostIdentity host = ReadHostIdentity({dir.Path("proc"), dir.Path("machine-id")});
  EXPECT_EQ(host.machine_id, "");
  EXPECT_EQ(host.kernel_boot_id, "");
  EXPECT_EQ(host.os, "linux");
}

}  // namespace
}  // namespace lm::agent
