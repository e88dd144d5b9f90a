// Sends a list of prepared HTTP(S) POST requests over several keep-alive connections at
// once, for the ingest benchmarks. Not reentrant per call; each call owns its threads.
#pragma once

#include <atomic>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "bench/keepalive_client.h"

namespace lm::bench {

struct PostRequest {
  std::vector<std::string> headers;
  std::string body;
};

// POSTs every request of `reqs` once to `url`, spread over `connections` connections (each
// takes the next unsent request); returns the wall time in seconds. Throws
// std::runtime_error naming the first request whose status is not `ok_status`.
inline double PostAll(const std::string& url, const std::string& ca,
                      const std::vector<PostRequest>& reqs, int connections, long ok_status) {
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::string failure;
  std::mutex mu;
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < connections; ++c) {
    threads.emplace_back([&] {
      KeepAliveClient client(ca);
      std::string response;
      for (size_t i = next++; i < reqs.size() && !failed; i = next++) {
        long status = client.Post(url, reqs[i].headers, reqs[i].body, &response);
        if (status != ok_status) {
          std::lock_guard lock(mu);
          failure = fmt::format("request {} got {}: {}", i, status, response.substr(0, 300));
          failed = true;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  if (failed) throw std::runtime_error(url + ": " + failure);
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace lm::bench
