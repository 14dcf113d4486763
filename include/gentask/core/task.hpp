#pragma once
/// @file
/// The task capability ladder: what a task type can do for the futures it polls.
///
/// `poll` takes the task as a parameter, and the task's *type* states what it can do. A leaf
/// future that needs a capability constrains its own `poll` on the rung that gives it
/// (`template <io_task Task> poll(Task&)`), and a combinator is pollable on exactly the task
/// types its children are pollable on. So a future that reads a socket is not `pollable` on a
/// UI task, and driving it there does not compile.
///
/// The ladder (each rung refines `task`, in the style of range-v3's `range -> input_range`),
/// with what the task gives and who models it today:
///
/// - `task`: `get_waker()`, a same-thread wake handle. Every task type.
/// - `remote_waking_task`: `get_remote_waker()`, a thread-safe handle. The local and the
///   tokio-style reactors' tasks.
/// - `spawning_task`: `spawn(f)`, a join handle (a future). Both reactors' tasks, on every
///   storage policy.
/// - `io_task`: `get_io_driver()`, an `io_driver`. The tokio-style reactor's task (its epoll
///   driver); not the local reactor's, so a socket future does not compile there.
/// - `timer_task`: `get_timer()`, a `timer_driver`. Both reactors' tasks, the test kit.
/// - `ui_task`: `get_ui_state()`, the UI thread's state. Archetypes only (planned: the
///   UI-invoke reactor).
///
/// (`child_task<T>` forwards each of these that `T` has, except
/// `get_remote_waker`.)
///
/// A capability is checked at compile time. This replaces futures 0.2's
/// `cx.executor().expect("No default executor found")` and tokio's "there is no reactor
/// running" panic. `task_archetypes.hpp` has one archetype per combination, so combinators can
/// be checked against each rung before any reactor models it.
///
/// @see pollable, task_archetypes.hpp

#include <gentask/core/future.hpp>
#include <gentask/core/io_driver.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/timer_driver.hpp>
#include <gentask/core/waker.hpp>

#include <concepts>
#include <utility>

namespace gentask {

/// A task can hand out a wake handle for the futures it polls.
template <class T>
concept task = requires(T& t) {
  { t.get_waker() } -> std::same_as<waker>;
};

/// A task that can also hand out a thread-safe wake handle.
template <class T>
concept remote_waking_task = task<T> && requires(T& t) {
  { t.get_remote_waker() } -> std::same_as<remote_waker>;
};

namespace detail {
/// A future pollable on every task type, used to state what `spawn` must accept.
struct spawnable_archetype {
  using future_concept = future_tag;
  using item_type = unit;
  using error_type = never;
  template <task T>
  poll_result<unit, never> poll(T&);
};
}  // namespace detail

/// A task that can spawn a future as a task of its own and returns a join handle (a future of
/// the child's result).
template <class T>
concept spawning_task = task<T> && requires(T& t, detail::spawnable_archetype f) {
  { t.spawn(std::move(f)) } -> future;
};

/// A task that gives access to an I/O readiness driver.
template <class T>
concept io_task = task<T> && requires(T& t) {
  { t.get_io_driver() } -> io_driver;
};

/// A task that gives access to a clock and a timer queue.
template <class T>
concept timer_task = task<T> && requires(T& t) {
  { t.get_timer() } -> timer_driver;
};

/// A task on a UI thread: the only way to reach that thread's state.
template <class T>
concept ui_task = task<T> && requires(T& t) {
  typename T::ui_state_type;
  { t.get_ui_state() } -> std::same_as<typename T::ui_state_type&>;
};

}  // namespace gentask
