#pragma once
/// @file
/// `and_then(f, fn)` / `f | and_then(fn)`: when `f` is ready with `v`, continues with the future
/// `fn(v)`; when `f` fails, fails with its error (short-circuit, `fn` is destroyed unrun).
///
/// The item is that of `fn(v)`'s future; the errors of `f` and of `fn(v)` must unify (equal, or
/// one of them `never`). `fn` must return a future (use `map` for a plain value). `f` and `fn`
/// are destroyed when the chain moves on to `fn(v)`. Successive `and_then`, `or_else` and `then`
/// form one flat `chain_future` (chain.hpp).

#include <gentask/core/future.hpp>
#include <gentask/detail/pipeable.hpp>
#include <gentask/futures/chain.hpp>

#include <type_traits>
#include <utility>

namespace gentask {

template <class Fn>
using and_then_step = detail::chain_step<detail::step_kind::and_then, Fn>;

struct and_then_fn {
  template <future F, class Fn>
  requires detail::valid_step<item_type_t<F>, error_type_t<F>, and_then_step<std::decay_t<Fn>>>
  auto operator()(F&& f, Fn&& fn) const {
    return detail::append_step<and_then_step<std::decay_t<Fn>>>(std::forward<F>(f),
                                                                std::forward<Fn>(fn));
  }
  template <class Fn>
  constexpr auto operator()(Fn&& fn) const {
    return detail::make_pipe_closure<and_then_fn>(std::forward<Fn>(fn));
  }
};
inline constexpr and_then_fn and_then{};

}  // namespace gentask
