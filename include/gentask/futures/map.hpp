#pragma once
/// @file
/// `map(f, fn)` / `f | map(fn)`: a future ready with `fn(v)` when `f` is ready with `v`
/// (`void` becomes `unit`); errors pass through unchanged. `f` is destroyed at completion,
/// before `fn` runs. Polled again after completion, it throws `polled_after_completion`.

#include <gentask/core/future.hpp>
#include <gentask/detail/pipeable.hpp>
#include <gentask/detail/transform_future.hpp>

#include <concepts>
#include <type_traits>
#include <utility>

namespace gentask {

template <class F, class Fn>
using map_future = detail::transform_future<F, Fn, detail::result_side::item>;

struct map_fn {
  template <future F, class Fn>
  requires std::invocable<std::decay_t<Fn>, item_type_t<F> &&> auto operator()(F&& f,
                                                                               Fn&& fn) const {
    return map_future<std::remove_cvref_t<F>, std::decay_t<Fn>>(std::forward<F>(f),
                                                                std::forward<Fn>(fn));
  }
  template <class Fn>
  constexpr auto operator()(Fn&& fn) const {
    return detail::make_pipe_closure<map_fn>(std::forward<Fn>(fn));
  }
};
inline constexpr map_fn map{};

}  // namespace gentask
