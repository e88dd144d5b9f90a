#include "agent/upload/collector_url.h"

#include <gtest/gtest.h>

#include <string>

namespace lm::agent {
namespace {

TEST(CollectorUrlTest, AcceptsTheRestrictedForm) {
  struct Case {
    std::string url;
    std::string host;
    uint16_t port;
    std::string target;
  };
  const Case cases[] = {
      {"https://collector.example:8443/ingest/v1/batch", "collector.example", 8443,
       "/ingest/v1/batch"},
      {"https://127.0.0.1/ingest/v1/batch", "127.0.0.1", 443, "/ingest/v1/batch"},
      {"HTTPS://Collector-1.internal_x", "Collector-1.internal_x", 443, "/"},
      {"https://[::1]:9443/x?y=1&z=%20", "[::1]", 9443, "/x?y=1&z=%20"},
      {"https://[2001:db8::7]", "[2001:db8::7]", 443, "/"},
      {"https://h:1?q", "h", 1, "/?q"},
      {"https://h:65535/", "h", 65535, "/"},
  };
  for (const Case& c : cases) {
    auto url = ParseCollectorUrl(c.url);
    ASSERT_TRUE(url.ok()) << c.url << ": " << url.status().ToString();
    EXPECT_EQ(url->host, c.host) << c.url;
    EXPECT_EQ(url->port, c.port) << c.url;
    EXPECT_EQ(url->target, c.target) << c.url;
  }
}

TEST(CollectorUrlTest, RefusesEverythingElse) {
  struct Case {
    std::string url;
    std::string why;  // a fragment of the error message
  };
  const Case cases[] = {
      {"http://collector:8443/ingest/v1/batch", "https"},
      {"ftp://collector/x", "https"},
      {"https:/collector/x", "https"},
      {"collector:8443", "https"},
      {"", "https"},
      {"https://collector/ingest\r\nX-Evil: 1", "control byte"},
      {"https://collector/ingest\n", "control byte"},
      {std::string("https://collector/in\0gest", 24), "control byte"},
      {"https://collector/in\x7fgest", "control byte"},
      {"https://collector/in\tgest", "control byte"},
      {"https://collector/in gest", "whitespace"},
      {" https://collector/x", "whitespace"},
      {"https://collector/\xc3\xa9", "non-ASCII"},
      {"https://collector\\@evil/x", "backslash"},
      {"https://user@collector/x", "userinfo"},
      {"https://user:pass@collector:8443/x", "userinfo"},
      {"https://collector/x#frag", "fragment"},
      {"https://collector#", "fragment"},
      {"https://collector//evil.example/x", "network-path"},
      {"https://collector:8443//x", "network-path"},
      {"https://", "no host"},
      {"https:///x", "no host"},
      {"https://:8443/x", "no host"},
      {"https://coll%65ctor/x", "host has characters"},
      {"https://collector:/x", "port"},
      {"https://collector:0/x", "port"},
      {"https://collector:65536/x", "port"},
      {"https://collector:+80/x", "port"},
      {"https://collector:80a/x", "port"},
      {"https://collector:0000080/x", "port"},
      {"https://[fe80::1%25eth0]/x", "IPv6"},
      {"https://[v1.fe80::a]/x", "IPv6"},
      {"https://[127.0.0.1]/x", "IPv6"},
      {"https://[::1/x", "IPv6"},
      {"https://[::1]x/y", "IPv6"},
      {"https://" + std::string(3000, 'a'), "longer than"},
  };
  for (const Case& c : cases) {
    auto url = ParseCollectorUrl(c.url);
    ASSERT_FALSE(url.ok()) << c.url;
    EXPECT_EQ(url.error().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(url.error().message().find(c.why), std::string::npos)
        << c.url << " -> " << url.error().message();
  }
}

}  // namespace
}  // namespace lm::agent
