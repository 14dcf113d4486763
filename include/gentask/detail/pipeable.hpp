#pragma once
/// @file
/// Partial application for pipe syntax: `f | and_then(fn)` is `and_then(f, fn)`.

#include <concepts>
#include <functional>
#include <tuple>
#include <type_traits>
#include <utility>

namespace gentask::detail {

/// The arguments of a combinator object `Cpo`, waiting for the future or stream on the left.
template <class Cpo, class... Args>
struct pipe_closure {
  std::tuple<Args...> args;

  template <class F>
  requires std::invocable<const Cpo&, F, Args...>
  friend constexpr auto operator|(F&& f, pipe_closure&& closure) {
    return std::apply([&f](Args&&... a) { return Cpo{}(std::forward<F>(f), std::move(a)...); },
                      std::move(closure.args));
  }
  /// A closure kept in a variable and applied to several futures copies its arguments each
  /// time (so it needs copyable arguments; a move-only closure is applied as an rvalue).
  template <class F>
  requires(std::copy_constructible<Args>&&...) &&
      std::invocable<const Cpo&, F, const Args&...> friend constexpr auto operator|(
          F&& f, const pipe_closure& closure) {
    return std::apply([&f](const Args&... a) { return Cpo{}(std::forward<F>(f), a...); },
                      closure.args);
  }
};

template <class Cpo, class... Args>
constexpr pipe_closure<Cpo, std::decay_t<Args>...> make_pipe_closure(Args&&... args) {
  return {std::tuple<std::decay_t<Args>...>(std::forward<Args>(args)...)};
}

}  // namespace gentask::detail
