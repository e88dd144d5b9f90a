// A small blocking libcurl client for tests: one request, full response in memory.
#pragma once

#include <curl/curl.h>

#include <string>
#include <utility>
#include <vector>

namespace lm::testing {

struct HttpResult {
  long status = 0;  // 0 when the request failed before a response
  std::string body = {};
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string error;                                         // curl error text

  std::string Header(const std::string& name) const {
    for (const auto& [k, v] : headers) {
      if (k == name) return v;
    }
    return "";
  }
};

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::string> headers = {};  // "Name: value"
  std::string body = {};
  std::string ca_file = {};  // for https
  long timeout_ms = 10000;
};

inline HttpResult HttpDo(const HttpRequest& req) {
  HttpResult out;
  CURL* c = curl_easy_init();
  curl_slist* hdrs = nullptr;
  for (const auto& h : req.headers) hdrs = curl_slist_append(hdrs, h.c_str());
  hdrs = curl_slist_append(hdrs, "Expect:");
  curl_easy_setopt(c, CURLOPT_URL, req.url.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, req.timeout_ms);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  if (!req.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, req.ca_file.c_str());
  if (req.method == "POST") {
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, req.body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
  } else if (req.method != "GET") {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req.method.c_str());
  }
  auto write = +[](char* p, size_t s, size_t n, void* ud) -> size_t {
    static_cast<std::string*>(ud)->append(p, s * n);
    return s * n;
  };
  auto header = +[](char* p, size_t s, size_t n, void* ud) -> size_t {
    std::string line(p, s * n);
    auto colon = line.find(':');
    if (colon != std::string::npos) {
      std::string name = line.substr(0, colon);
      for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      std::string value = line.substr(colon + 1);
      while (!value.empty() && (value.front() == ' ')) value.erase(0, 1);
      while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) value.pop_back();
      static_cast<HttpResult*>(ud)->headers.emplace_back(name, value);
    }
    return s * n;
  };
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &out.body);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &out);
  CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) {
    out.error = curl_easy_strerror(rc);
  } else {
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out.status);
  }
  curl_slist_free_all(hdrs);
  curl_easy_cleanup(c);
  return out;
}

}  // namespace lm::testing
