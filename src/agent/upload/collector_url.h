// The restricted collector URL form the agent uploads to. Checked before any connection is
// opened so that a hostile or mistyped URL cannot smuggle credentials, header bytes or a
// different request target into the request. Thread safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace lm::agent {

struct CollectorUrl {
  std::string host;  // a DNS name, IPv4 literal, or bracketed IPv6 literal "[::1]"
  uint16_t port = 443;
  std::string target;  // the origin-form request target: path plus optional query, e.g.
                       // "/ingest/v1/batch"; "/" when the URL has no path
};

// Accepts only "https://host[:port][/path][?query]" with printable ASCII. Returns
// InvalidArgument naming the rule for: a scheme other than https, control bytes, whitespace,
// non-ASCII bytes or backslashes anywhere, userinfo ("user@"), a fragment ("#"), an empty or
// malformed host, an IPv6 literal that is not plain hex/colon/dot (zone ids are refused), a
// port that is empty, not decimal or outside 1-65535, and a network-path target ("//" right
// after the authority).
Result<CollectorUrl> ParseCollectorUrl(std::string_view url);

}  // namespace lm::agent
