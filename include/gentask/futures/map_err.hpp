#pragma once
/// @file
/// `map_err(f, fn)` / `f | map_err(fn)`: a future that fails with `fn(e)` when `f` fails with
/// `e`; values pass through unchanged. `f` is destroyed at completion, before `fn` runs.

#include <gentask/core/future.hpp>
#include <gentask/detail/pipeable.hpp>
#include <gentask/detail/transform_future.hpp>

#include <concepts>
#include <type_traits>
#include <utility>

namespace gentask {

template <class F, class Fn>
using map_err_future = detail::transform_future<F, Fn, detail::result_side::error>;

struct map_err_fn {
  template <future F, class Fn>
  requires std::invocable<std::decay_t<Fn>, error_type_t<F> &&> auto operator()(F&& f,
                                                                                Fn&& fn) const {
    return map_err_future<std::remove_cvref_t<F>, std::decay_t<Fn>>(std::forward<F>(f),
                                                                    std::forward<Fn>(fn));
  }
  template <class Fn>
  constexpr auto operator()(Fn&& fn) const {
    return detail::make_pipe_closure<map_err_fn>(std::forward<Fn>(fn));
  }
};
inline constexpr map_err_fn map_err{};

}  // namespace gentask
