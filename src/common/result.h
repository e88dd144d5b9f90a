// Result<T, E>: either a value of T or an error E (Status by default). Returned by functions
// whose failure is caused by input, disk, network or object storage.
#pragma once

#include <cassert>
#include <type_traits>
#include <utility>
#include <variant>

#include "common/status.h"

namespace lm {

template <typename T, typename E = Status>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit
  Result(E error) : v_(std::in_place_index<1>, std::move(error)) {   // NOLINT: implicit
    if constexpr (std::is_same_v<E, Status>) assert(!std::get<1>(v_).ok());
  }

  bool ok() const { return v_.index() == 0; }

  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  const E& error() const {
    assert(!ok());
    return std::get<1>(v_);
  }
  // Status-typed results only: the error, or Ok when a value is held.
  Status status() const {
    if (ok()) return Status::Ok();
    return std::get<1>(v_);
  }

  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, E> v_;
};

}  // namespace lm

#define LM_CONCAT_INNER__(a, b) a##b
#define LM_CONCAT__(a, b) LM_CONCAT_INNER__(a, b)

// Assigns the value of a Result<T> expression to `lhs`, or returns its Status.
#define LM_ASSIGN_OR_RETURN(lhs, expr) \
  LM_ASSIGN_OR_RETURN_IMPL__(LM_CONCAT__(lm_result__, __LINE__), lhs, expr)
#define LM_ASSIGN_OR_RETURN_IMPL__(tmp, lhs, expr) \
  auto tmp = (expr);                               \
  if (!tmp.ok()) return tmp.error();               \
  lhs = std::move(tmp).value()
