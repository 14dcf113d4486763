#pragma once
/// @file
/// Diagnostics that name what is missing when a future meets a task type it cannot be polled on.
///
/// Entry points that bind a future to a concrete task type (`block_on`, `spawn`) call
/// `require_pollable<F, Task>()`. When `F` is not pollable on `Task`, it finds which
/// capabilities `F` needs that `Task` lacks, by polling `F` on the full archetype with one
/// capability removed at a time, and instantiates one diagnostic tag per missing capability,
/// such as `diagnostics::_FUTURE_REQUIRES_IO_TASK_<F, Task>`. The tag's name, the future and the
/// task appear in the compiler's error on g++ and clang alike, and compile-fail tests match the
/// tag, never compiler prose.

#include <gentask/core/pollable.hpp>
#include <gentask/core/task.hpp>
#include <gentask/core/task_archetypes.hpp>
#include <gentask/detail/always_false.hpp>

namespace gentask {

// NOLINTBEGIN(bugprone-reserved-identifier): tag names in the style of stdexec's diagnostics.
namespace diagnostics {

template <class F, class Task>
struct _FUTURE_REQUIRES_REMOTE_WAKING_TASK_ {
  static_assert(detail::always_false<F, Task>,
                "gentask: this future needs a thread-safe wake handle (get_remote_waker()); the "
                "task type does not model remote_waking_task");
};
template <class F, class Task>
struct _FUTURE_REQUIRES_SPAWNING_TASK_ {
  static_assert(detail::always_false<F, Task>,
                "gentask: this future spawns tasks (spawn(f)); the task type does not model "
                "spawning_task");
};
template <class F, class Task>
struct _FUTURE_REQUIRES_IO_TASK_ {
  static_assert(detail::always_false<F, Task>,
                "gentask: this future waits for I/O readiness (get_io_driver()); the task type "
                "does not model io_task");
};
template <class F, class Task>
struct _FUTURE_REQUIRES_TIMER_TASK_ {
  static_assert(detail::always_false<F, Task>,
                "gentask: this future waits for a deadline (get_timer()); the task type does not "
                "model timer_task");
};
template <class F, class Task>
struct _FUTURE_REQUIRES_UI_TASK_ {
  static_assert(detail::always_false<F, Task>,
                "gentask: this future needs the UI thread's state (get_ui_state()); the task type "
                "does not model ui_task");
};
template <class F, class Task>
struct _FUTURE_IS_NOT_POLLABLE_ON_THIS_TASK_ {
  static_assert(detail::always_false<F, Task>,
                "gentask: this future is not pollable on this task type, and no missing "
                "capability explains it (check the future's poll signature)");
};

}  // namespace diagnostics
// NOLINTEND(bugprone-reserved-identifier)

namespace detail {

template <class Task, capability C>
constexpr bool task_models() {
  if constexpr (C == capability::remote_wake) return remote_waking_task<Task>;
  if constexpr (C == capability::spawn) return spawning_task<Task>;
  if constexpr (C == capability::io) return io_task<Task>;
  if constexpr (C == capability::timer) return timer_task<Task>;
  if constexpr (C == capability::ui) return ui_task<Task>;
  return false;
}

/// True when `F` needs capability `C` and `Task` does not give it.
template <class F, class Task, capability C>
inline constexpr bool lacks =
    !task_models<Task, C>() && !pollable<F, archetypes::task_with<without(capability::all, C)>>;

}  // namespace detail

/// True when `F` is pollable on `Task`; otherwise instantiates the diagnostic tags that name the
/// missing capabilities (a compile error) and returns false. Entry points branch on
/// `pollable<F, Task>` and call this in the failing branch, so that nothing else is reported:
///
///     if constexpr (!pollable<F, task_type>) { (void)require_pollable<F, task_type>(); ... }
template <future F, class Task>
constexpr bool require_pollable() {
  if constexpr (pollable<F, Task>) {
    return true;
  } else if constexpr (!pollable<F, archetypes::full_task>) {
    (void)sizeof(diagnostics::_FUTURE_IS_NOT_POLLABLE_ON_THIS_TASK_<F, Task>);
    return false;
  } else {
    if constexpr (detail::lacks<F, Task, capability::remote_wake>)
      (void)sizeof(diagnostics::_FUTURE_REQUIRES_REMOTE_WAKING_TASK_<F, Task>);
    if constexpr (detail::lacks<F, Task, capability::spawn>)
      (void)sizeof(diagnostics::_FUTURE_REQUIRES_SPAWNING_TASK_<F, Task>);
    if constexpr (detail::lacks<F, Task, capability::io>)
      (void)sizeof(diagnostics::_FUTURE_REQUIRES_IO_TASK_<F, Task>);
    if constexpr (detail::lacks<F, Task, capability::timer>)
      (void)sizeof(diagnostics::_FUTURE_REQUIRES_TIMER_TASK_<F, Task>);
    if constexpr (detail::lacks<F, Task, capability::ui>)
      (void)sizeof(diagnostics::_FUTURE_REQUIRES_UI_TASK_<F, Task>);
    if constexpr (!(detail::lacks<F, Task, capability::remote_wake> ||
                    detail::lacks<F, Task, capability::spawn> ||
                    detail::lacks<F, Task, capability::io> ||
                    detail::lacks<F, Task, capability::timer> ||
                    detail::lacks<F, Task, capability::ui>))
      (void)sizeof(diagnostics::_FUTURE_IS_NOT_POLLABLE_ON_THIS_TASK_<F, Task>);
    return false;
  }
}

}  // namespace gentask
