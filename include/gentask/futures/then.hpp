#pragma once
/// @file
/// `then(f, fn)` / `f | then(fn)`: when `f` completes, continues with the future `fn(r)`, where
/// `r` is `f`'s `poll_result` (ready or failed, never pending). The item and error are those of
/// `fn(r)`'s future. Part of the flat `chain_future` (chain.hpp).

#include <gentask/core/future.hpp>
#include <gentask/detail/pipeable.hpp>
#include <gentask/futures/chain.hpp>

#include <type_traits>
#include <utility>

namespace gentask {

template <class Fn>
using then_step = detail::chain_step<detail::step_kind::then, Fn>;

struct then_fn {
  template <future F, class Fn>
  requires detail::valid_step<item_type_t<F>, error_type_t<F>, then_step<std::decay_t<Fn>>>
  auto operator()(F&& f, Fn&& fn) const {
    return detail::append_step<then_step<std::decay_t<Fn>>>(std::forward<F>(f),
                                                            std::forward<Fn>(fn));
  }
  template <class Fn>
  constexpr auto operator()(Fn&& fn) const {
    return detail::make_pipe_closure<then_fn>(std::forward<Fn>(fn));
  }
};
inline constexpr then_fn then{};

}  // namespace gentask
