#pragma once
/// @file
/// `poll_fn(fn)`: a future whose poll is `fn(task)`: the closure gets the task (so it can take a
/// waker, spawn, read the timer) and returns a `poll_result<T, E>`, as futures' `poll_fn`. It
/// is how a one-off leaf is written without a class:
///
///   auto child = gentask::poll_fn(
///       [h = std::optional<join_handle<int, never>>()](auto& task) mutable
///           -> gentask::poll_result<int, gentask::join_error<gentask::never>> {
///         if (!h) h.emplace(task.spawn(work()));
///         return h->poll(task);
///       });
///
/// The item and error types are read from `fn`'s return type when it is called on
/// `archetypes::full_task` (unevaluated): write the return type out, as above, so that the
/// body need not compile on the archetype; or name them, `poll_fn<T, E>(fn)`. The future is
/// pollable on every task type on which `fn(task)` returns exactly `poll_result<T, E>`, so a
/// closure that spawns makes it pollable only where spawning is possible. Polled again after
/// it completed, it throws `polled_after_completion`. It allocates nothing.

#include <gentask/core/errors.hpp>
#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/task.hpp>
#include <gentask/core/task_archetypes.hpp>

#include <concepts>
#include <functional>
#include <type_traits>
#include <utility>

namespace gentask {
namespace detail {
template <class R>
struct poll_result_parts {};
template <class T, class E>
struct poll_result_parts<poll_result<T, E>> {
  using item_type = T;
  using error_type = E;
};
}  // namespace detail

template <class T, class E, class Fn>
class poll_fn_future {
 public:
  using future_concept = future_tag;
  using item_type = T;
  using error_type = E;

  explicit poll_fn_future(Fn fn) : fn_(std::move(fn)) {}

  template <task Task>
  requires std::invocable<Fn&, Task&> &&
      std::same_as<std::invoke_result_t<Fn&, Task&>, poll_result<T, E>>
          poll_result<T, E> poll(Task& task) {
    if (done_) detail::throw_polled_after_completion("poll_fn: polled after completion");
    auto result = std::invoke(fn_, task);
    done_ = result.is_complete();
    return result;
  }

 private:
  Fn fn_;
  bool done_ = false;
};

/// `poll_fn<T, E>(fn)` names the result; `poll_fn(fn)` reads it from `fn`'s return type.
template <class T = void, class E = never, class Fn>
auto poll_fn(Fn&& fn) {
  using closure = std::decay_t<Fn>;
  if constexpr (std::is_void_v<T>) {
    static_assert(std::invocable<closure&, archetypes::full_task&>,
                  "gentask: poll_fn(fn): fn must be callable with a task (archetypes::full_task "
                  "stands for it), or name the result: poll_fn<T, E>(fn)");
    using parts = detail::poll_result_parts<std::invoke_result_t<closure&, archetypes::full_task&>>;
    static_assert(
        requires { typename parts::item_type; },
        "gentask: poll_fn(fn): fn must return a poll_result<T, E>");
    return poll_fn_future<typename parts::item_type, typename parts::error_type, closure>(
        std::forward<Fn>(fn));
  } else {
    return poll_fn_future<T, E, closure>(std::forward<Fn>(fn));
  }
}

}  // namespace gentask
