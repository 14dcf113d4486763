#pragma once
/// @file
/// `ambient::current_task()`: the 2017 design's ambient task, replayed as the baseline of the
/// explicit task (idea 1): futures 0.1's `task::current()`. A reactor sets the task that is being
/// polled on this thread for the span of the poll (`task_scope`); a leaf future that will return
/// `pending` calls `current_task()` and keeps the handle to wake it later. Nothing in a
/// signature says that a function needs a task: called outside a poll, `current_task()` throws
/// `no_current_task` at run time (futures 0.1 panicked: "no Task is currently running"), where the
/// explicit design does not compile.
///
/// This folder (with reactors/ambient/) is the only place a `thread_local` may appear in the
/// library (lint `lint.no_thread_local`), and nothing outside them includes it
/// (`lint.include_walls`).
///
/// The thread-local is a plain pointer, constant-initialised: no TLS wrapper function, one TLS
/// access per `current_task()` and two per scope (the access model, local-exec in an
/// executable or global-dynamic in a `-fPIC` shared library, is the compiler's and the
/// linker's; experiment 09 measures both). Defining `GENTASK_AMBIENT_DYNAMIC_INIT_TLS` (in every
/// translation unit of a program, or in none) initialises it dynamically instead, so that every
/// access goes through the TLS wrapper function and its guard, as a `thread_local` with a
/// constructor (or a lazily initialised Rust `thread_local!`) does: experiment 09's variant
/// `ambient_dynamic_init`.
///
/// A scope holds what makes the handle, not the handle: like futures 0.1's `BorrowedTask`, a
/// poll costs no handle unless a leaf asks for one (`current_task()` makes a new one, as
/// `task::current()` cloned the task's `Arc`). Scopes nest: a `futures_unordered` swaps in a
/// per-child handle around each child's poll and the enclosing task comes back after it.
///
/// @par Thread Safety
/// The current task is per thread; a scope must end on the thread that opened it (it is a local
/// object of the poll).

#include <gentask/core/waker.hpp>

#include <stdexcept>
#include <utility>

namespace gentask::ambient {

/// Thrown by `current_task()` outside a task's poll.
class no_current_task : public std::logic_error {
 public:
  no_current_task()
      : std::logic_error(
            "gentask::ambient::current_task: no task is currently running (called outside a "
            "task's poll; futures 0.1: \"no Task is currently running\")") {}
};

/// What a scope lends `current_task()`: an object and how to make a wake handle for it.
struct task_source {
  const void* object = nullptr;
  waker (*make_waker)(const void* object) = nullptr;

  [[nodiscard]] waker make() const { return make_waker(object); }
};

namespace detail {
#if defined(GENTASK_AMBIENT_DYNAMIC_INIT_TLS)
/// Not a constant expression: the thread-local below is initialised dynamically.
[[gnu::noinline]] inline const task_source* no_source() noexcept { return nullptr; }
/// The current task of this thread: the innermost open scope's source, or none.
inline thread_local const task_source* current_source = no_source();
#else
/// The current task of this thread: the innermost open scope's source, or none.
inline thread_local const task_source* current_source = nullptr;
#endif
}  // namespace detail

/// Makes `source` the current task of this thread until the scope ends, then restores the one
/// before (scopes nest). `source` must outlive the scope.
class task_scope {
 public:
  explicit task_scope(const task_source& source) noexcept
      : previous_(std::exchange(detail::current_source, &source)) {}
  task_scope(const task_scope&) = delete;
  task_scope& operator=(const task_scope&) = delete;
  ~task_scope() { detail::current_source = previous_; }

 private:
  const task_source* previous_;
};

[[noreturn, gnu::cold, gnu::noinline]] inline void throw_no_current_task() {
  throw no_current_task();
}

/// A handle that wakes the task being polled on this thread (futures 0.1's `task::current()`).
/// Throws `no_current_task` outside a poll.
[[nodiscard]] inline waker current_task() {
  const task_source* s = detail::current_source;
  if (s == nullptr) [[unlikely]]
    throw_no_current_task();
  return s->make();
}

/// Whether a task is being polled on this thread (futures 0.1 had no such query: a library
/// could only find out by calling `task::current()` and panicking).
[[nodiscard]] inline bool is_in_task() noexcept { return detail::current_source != nullptr; }

}  // namespace gentask::ambient
