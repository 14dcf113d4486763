#pragma once
/// @file
/// Closures that may return a future or a plain value (`lazy`, `streams::fold`,
/// `streams::for_each`): a plain value `v` is treated as `ready(v)` (a reference is copied into
/// it), and `void` as `ready()`.

#include <gentask/core/future.hpp>
#include <gentask/core/unit.hpp>
#include <gentask/futures/ready.hpp>

#include <functional>
#include <type_traits>
#include <utility>

namespace gentask::detail {

template <class R>
struct as_future {
  using type = ready_future<void_to_unit_t<std::remove_cvref_t<R>>>;
};
template <future R>
struct as_future<R> {
  using type = std::remove_cvref_t<R>;
};
template <class R>
using as_future_t = typename as_future<R>::type;

/// `fn(args...)` as a future.
template <class Fn, class... Args>
constexpr as_future_t<std::invoke_result_t<Fn, Args...>> invoke_as_future(Fn&& fn, Args&&... args) {
  using result = std::invoke_result_t<Fn, Args...>;
  if constexpr (future<result>) {
    return std::invoke(std::forward<Fn>(fn), std::forward<Args>(args)...);
  } else {
    return ready(invoke_to_unit(std::forward<Fn>(fn), std::forward<Args>(args)...));
  }
}

}  // namespace gentask::detail
