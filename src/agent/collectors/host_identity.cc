#include "agent/collectors/host_identity.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <climits>
#include <string_view>

#include "common/logging.h"

#include "agent/version.h"
#include "common/file_util.h"
#include "protocol/limits.h"

namespace lm::agent {
namespace {

// Trims ASCII whitespace, drops anything after the first line and caps the length so that
// the field always passes the collector's host field bound.
std::string CleanField(std::string_view s) {
  s = s.substr(0, s.find('\n'));
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  if (s.size() > protocol::kMaxHostFieldBytes) s = s.substr(0, protocol::kMaxHostFieldBytes);
  return std::string(s);
}

std::string ReadFirstLine(const std::string& path) {
  Result<std::string> text = ReadFile(path);
  if (!text.ok()) {
    lm::log::Debug("host identity: {}", text.error().ToString());
    return "";
  }
  return CleanField(*text);
}

}  // namespace

protocol::HostIdentity ReadHostIdentity(const HostIdentitySources& sources) {
  protocol::HostIdentity host;
  char name[HOST_NAME_MAX + 1] = {};
  if (::gethostname(name, sizeof(name) - 1) == 0) {
    host.hostname = CleanField(name);
  } else {
    lm::log::Debug("host identity: gethostname failed");
  }
  host.machine_id = ReadFirstLine(sources.machine_id_path);
  host.kernel_boot_id = ReadFirstLine(JoinPath(sources.proc_root, "sys/kernel/random/boot_id"));
  host.os = "linux";
  struct utsname uts;
  if (::uname(&uts) == 0) host.arch = CleanField(uts.machine);
  host.agent_version = std::string(kAgentVersion);
  return host;
}

}  // namespace lm::agent
