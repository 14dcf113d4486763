#pragma once
/// @file
/// `lazy(fn)`: runs `fn()` at the first poll, not before. If `fn` returns a future, `lazy`
/// becomes that future (stored in place of the closure, which is destroyed) and polls it in the
/// same call; if it returns a plain value `v`, `lazy` is ready with `v` (`void` gives `unit`).
///
/// `lazy(fn)` with a closure that takes the task, `fn(task)`, runs it at the first poll with the
/// task that polls it: the way to spawn from inside a task without writing a future class,
///
///   lazy([](spawning_task auto& task) -> join_handle<int, never> { return task.spawn(work()); })
///
/// The inner future's type is read from `fn`'s return type on `archetypes::full_task`
/// (unevaluated): write it out when it depends on what the task returns, as above (a spawn's
/// join handle). The future is pollable on every task on which `fn(task)` is callable and gives
/// that type; since a written-out return type keeps the body from being checked there,
/// constrain the parameter on the capability the body uses (`spawning_task auto&`), so that
/// `pollable` says no on other tasks instead of the body failing to compile.
/// A closure callable with no argument is the plain form.

#include <gentask/core/errors.hpp>
#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/pollable.hpp>
#include <gentask/core/task.hpp>
#include <gentask/core/task_archetypes.hpp>
#include <gentask/detail/as_future.hpp>
#include <gentask/detail/construct_from.hpp>
#include <gentask/detail/state_union.hpp>

#include <concepts>
#include <type_traits>
#include <utility>

namespace gentask {

template <class Fn>
class lazy_future {
  using inner_type = detail::as_future_t<std::invoke_result_t<Fn&&>>;

 public:
  using future_concept = future_tag;
  using item_type = item_type_t<inner_type>;
  using error_type = error_type_t<inner_type>;

  explicit lazy_future(Fn fn) : state_(std::in_place_index<0>, std::move(fn)) {}

  template <task Task>
  requires pollable<inner_type, Task> poll_result<item_type, error_type> poll(Task& task) {
    if (state_.index() == 0) {
      Fn fn = std::move(state_.template get<0>());
      // The closure's slot is destroyed, then the inner future is built in its place; if the
      // closure throws, the future is complete.
      state_.template emplace<1>(
          detail::construct_from{[&fn] { return detail::invoke_as_future(std::move(fn)); }});
    }
    if (state_.index() != 1) detail::throw_polled_after_completion("lazy: polled after completion");
    auto result = state_.template get<1>().poll(task);
    if (result.is_complete()) state_.template emplace<2>();
    return result;
  }

 private:
  detail::state_union<Fn, inner_type, detail::completed> state_;
};

/// The task-aware form: `fn(task)` at the first poll.
template <class Fn>
class lazy_task_future {
  using inner_type = detail::as_future_t<std::invoke_result_t<Fn&&, archetypes::full_task&>>;

 public:
  using future_concept = future_tag;
  using item_type = item_type_t<inner_type>;
  using error_type = error_type_t<inner_type>;

  explicit lazy_task_future(Fn fn) : state_(std::in_place_index<0>, std::move(fn)) {}

  template <task Task>
  requires std::invocable<Fn&&, Task&> &&
      std::same_as<detail::as_future_t<std::invoke_result_t<Fn&&, Task&>>, inner_type> &&
      pollable<inner_type, Task>
          poll_result<item_type, error_type> poll(Task& task) {
    if (state_.index() == 0) {
      Fn fn = std::move(state_.template get<0>());
      state_.template emplace<1>(detail::construct_from{
          [&fn, &task] { return detail::invoke_as_future(std::move(fn), task); }});
    }
    if (state_.index() != 1) detail::throw_polled_after_completion("lazy: polled after completion");
    auto result = state_.template get<1>().poll(task);
    if (result.is_complete()) state_.template emplace<2>();
    return result;
  }

 private:
  detail::state_union<Fn, inner_type, detail::completed> state_;
};

struct lazy_fn {
  template <class Fn>
  requires std::invocable<std::decay_t<Fn> &&> auto operator()(Fn&& fn) const {
    return lazy_future<std::decay_t<Fn>>(std::forward<Fn>(fn));
  }
  template <class Fn>
  requires(!std::invocable<std::decay_t<Fn>&&>) &&
      std::invocable<std::decay_t<Fn>&&, archetypes::full_task&> auto operator()(Fn&& fn) const {
    return lazy_task_future<std::decay_t<Fn>>(std::forward<Fn>(fn));
  }
};
inline constexpr lazy_fn lazy{};

}  // namespace gentask
