#pragma once
/// @file
/// `or_else(f, fn)` / `f | or_else(fn)`: when `f` fails with `e`, continues with the future
/// `fn(e)`; when `f` is ready, is ready with its value (`fn` is destroyed unrun).
///
/// The error is that of `fn(e)`'s future; the items of `f` and `fn(e)` must unify. Part of the
/// flat `chain_future` (chain.hpp).

#include <gentask/core/future.hpp>
#include <gentask/detail/pipeable.hpp>
#include <gentask/futures/chain.hpp>

#include <type_traits>
#include <utility>

namespace gentask {

template <class Fn>
using or_else_step = detail::chain_step<detail::step_kind::or_else, Fn>;

struct or_else_fn {
  template <future F, class Fn>
  requires detail::valid_step<item_type_t<F>, error_type_t<F>, or_else_step<std::decay_t<Fn>>>
  auto operator()(F&& f, Fn&& fn) const {
    return detail::append_step<or_else_step<std::decay_t<Fn>>>(std::forward<F>(f),
                                                               std::forward<Fn>(fn));
  }
  template <class Fn>
  constexpr auto operator()(Fn&& fn) const {
    return detail::make_pipe_closure<or_else_fn>(std::forward<Fn>(fn));
  }
};
inline constexpr or_else_fn or_else{};

}  // namespace gentask
