#include "http/router.h"

#include <algorithm>

#include <fmt/format.h>

namespace lm::http {

void Router::Add(std::vector<std::string> methods, std::string path, Handler handler) {
  routes_.push_back(Route{std::move(methods), std::move(path), false, std::move(handler)});
}

void Router::AddPrefix(std::vector<std::string> methods, std::string prefix, Handler handler) {
  routes_.push_back(Route{std::move(methods), std::move(prefix), true, std::move(handler)});
}

void Router::Handle(Request&& request, Responder respond) const {
  const Route* best = nullptr;
  for (const Route& r : routes_) {
    bool match = r.prefix ? request.path.starts_with(r.path) : request.path == r.path;
    if (!match) continue;
    if (best == nullptr || (!r.prefix && best->prefix) ||
        (r.prefix == best->prefix && r.path.size() > best->path.size())) {
      best = &r;
    }
  }
  if (best == nullptr) {
    respond(JsonError(404, "not_found", fmt::format("no such endpoint: {}", request.path)));
    return;
  }
  if (std::find(best->methods.begin(), best->methods.end(), request.method) ==
      best->methods.end()) {
    Response r = JsonError(
        405, "bad_data", fmt::format("method {} not allowed for {}", request.method, request.path));
    r.AddHeader("Allow", fmt::format("{}", fmt::join(best->methods, ", ")));
    respond(std::move(r));
    return;
  }
  best->handler(std::move(request), std::move(respond));
}

Handler Router::AsHandler() const {
  return [this](Request&& request, Responder respond) {
    Handle(std::move(request), std::move(respond));
  };
}

}  // namespace lm::http
