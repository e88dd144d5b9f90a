// A blocking HTTP(S) client for benchmarks that keeps its connection alive across requests
// (one libcurl easy handle). Not thread safe: one per thread.
#pragma once

#include <curl/curl.h>

#include <string>
#include <vector>

namespace lm::bench {

class KeepAliveClient {
 public:
  explicit KeepAliveClient(std::string ca_file = "") : ca_file_(std::move(ca_file)) {
    curl_ = curl_easy_init();
  }
  ~KeepAliveClient() { curl_easy_cleanup(curl_); }
  KeepAliveClient(const KeepAliveClient&) = delete;
  KeepAliveClient& operator=(const KeepAliveClient&) = delete;

  // POSTs `body`; returns the HTTP status (0 on a transport failure) and fills *response.
  long Post(const std::string& url, const std::vector<std::string>& headers,
            const std::string& body, std::string* response) {
    curl_slist* list = nullptr;
    for (const std::string& h : headers) list = curl_slist_append(list, h.c_str());
    list = curl_slist_append(list, "Expect:");
    response->clear();
    curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(curl_, CURLOPT_POST, 1L);
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, 60000L);
    if (!ca_file_.empty()) curl_easy_setopt(curl_, CURLOPT_CAINFO, ca_file_.c_str());
    auto write = +[](char* p, size_t s, size_t n, void* ud) -> size_t {
      static_cast<std::string*>(ud)->append(p, s * n);
      return s * n;
    };
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, write);
    curl_easy_setopt(curl_, CURLOPT_WRITEDATA, response);
    long status = 0;
    if (curl_easy_perform(curl_) == CURLE_OK) {
      curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &status);
    }
    curl_slist_free_all(list);
    return status;
  }

 private:
  std::string ca_file_;
  CURL* curl_;
};

}  // namespace lm::bench
