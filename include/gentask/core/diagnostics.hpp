#pragma once
/// @file
/// The library's diagnostic tags, all of them, and `require_pollable`, which names what is
/// missing when a future meets a task type it cannot be polled on.
///
/// A diagnostic tag is a class template in `gentask::diagnostics`, named in SCREAMING_SNAKE in
/// the style of stdexec, whose `static_assert` always fails once it is instantiated: a call that
/// cannot work instantiates it (`(void)sizeof(diagnostics::_TAG_<...>)`) in the failing branch,
/// so the error names the tag and its arguments on g++ and clang alike, and compile-fail tests
/// (tests/compile_fail/) match the tag, never compiler prose. The tags, and who raises them:
///
/// | tag | raised by |
/// |---|---|
/// | `_FUTURE_REQUIRES_<CAPABILITY>_<F, Task>` (one per capability) | `require_pollable` |
/// | `_FUTURE_IS_NOT_POLLABLE_ON_THIS_TASK_<F, Task>` | `require_pollable` |
/// | `_TASK_DOES_NOT_MODEL_SPAWNING_TASK_<Task, F>` | `spawn(task, f)` (spawn/spawn.hpp) |
/// | `_ROOT_TYPE_NOT_DECLARED_IN_CLOSED_MAP_<F, Declared...>` | the closed map's spawn |
/// | `_FUTURES_UNORDERED_NEEDS_SPAWNING_TASK_<Task, F>` | `spawn_per_child::push` |
///
/// Entry points that bind a future to a concrete task type (`block_on`, `spawn`) call
/// `require_pollable<F, Task>()`. When `F` is not pollable on `Task`, it finds which
/// capabilities `F` needs that `Task` lacks, by polling `F` on the full archetype with one
/// capability removed at a time, and instantiates one diagnostic tag per missing capability,
/// such as `diagnostics::_FUTURE_REQUIRES_IO_TASK_<F, Task>`.

#include <gentask/core/pollable.hpp>
#include <gentask/core/task.hpp>
#include <gentask/core/task_archetypes.hpp>
#include <gentask/detail/always_false.hpp>

namespace gentask {

// NOLINTBEGIN(bugprone-reserved-identifier): tag names in the style of stdexec's diagnostics.
namespace diagnostics {

// Raised by `require_pollable`, one per capability that `Task` lacks and `F` needs.
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

/// `require_pollable`: `F` is not pollable on `Task`, and no missing capability explains it.
template <class F, class Task>
struct _FUTURE_IS_NOT_POLLABLE_ON_THIS_TASK_ {
  static_assert(detail::always_false<F, Task>,
                "gentask: this future is not pollable on this task type, and no missing "
                "capability explains it (check the future's poll signature)");
};

/// `spawn(task, f)` through a task that cannot spawn.
template <class Task, class F>
struct _TASK_DOES_NOT_MODEL_SPAWNING_TASK_ {
  static_assert(detail::always_false<Task, F>,
                "gentask: spawn(task, f) needs a task type that models spawning_task (a reactor "
                "whose tasks can spawn); this one does not");
};

/// A spawn of a root future type that the reactor's closed map did not declare.
template <class F, class... Declared>
struct _ROOT_TYPE_NOT_DECLARED_IN_CLOSED_MAP_ {
  static_assert(detail::always_false<F, Declared...>,
                "gentask: this root future type was not declared in the reactor's "
                "closed_map_storage<...>; declare it there, or use the open map");
};

/// `spawn_per_child::push(task, f)` (`futures_unordered`) through a task that cannot spawn, or
/// whose `spawn` does not return `gentask::join_handle`.
template <class Task, class F>
struct _FUTURES_UNORDERED_NEEDS_SPAWNING_TASK_ {
  static_assert(detail::always_false<Task, F>,
                "gentask: futures_unordered (spawn_per_child) spawns each child as a task of its "
                "own, so push(task, f) needs a task type that models spawning_task and whose "
                "spawn returns gentask::join_handle; this one does not (the per-leaf baselines "
                "in gentask/unordered/ work on any task)");
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
