// Dispatches requests by method and path to handlers. Routes are registered before the
// server starts; Handle is then thread safe (read-only).
#pragma once

#include <string>
#include <vector>

#include "http/message.h"

namespace lm::http {

class Router {
 public:
  // Exact path match. `methods` like {"GET", "POST"}.
  void Add(std::vector<std::string> methods, std::string path, Handler handler);
  // Prefix match (e.g. "/api/v1/label/"); longer prefixes win over shorter ones, exact
  // routes over prefixes.
  void AddPrefix(std::vector<std::string> methods, std::string prefix, Handler handler);

  // Routes the request; 404 {"errorType":"not_found"} for unknown paths, 405 with an Allow
  // header for known paths with another method.
  void Handle(Request&& request, Responder respond) const;

  // Adapts this router to the server's Handler type. The router must outlive the server.
  Handler AsHandler() const;

 private:
  struct Route {
    std::vector<std::string> methods;
    std::string path;
    bool prefix;
    Handler handler;
  };
  std::vector<Route> routes_;
};

}  // namespace lm::http
