// Best-effort identification of the host the agent runs on, sent in every batch.
#pragma once

#include <string>

#include "protocol/batch.h"

namespace lm::agent {

struct HostIdentitySources {
  std::string proc_root = "/proc";                  // kernel boot id: sys/kernel/random/boot_id
  std::string machine_id_path = "/etc/machine-id";  // systemd machine id
};

// Fills hostname (gethostname), machine_id, kernel_boot_id, os ("linux"), arch (uname
// machine) and agent_version. Every field is best effort: a source that cannot be read is
// left empty and logged at debug level; fields are trimmed of whitespace and capped at
// protocol::kMaxHostFieldBytes. Never fails. Thread safe.
protocol::HostIdentity ReadHostIdentity(const HostIdentitySources& sources);

}  // namespace lm::agent
