#pragma once
/// @file
/// `gentask::local::basic_reactor<StoragePolicy, Unparker>`: the simplest single-threaded
/// reactor, a thin layer over the reactor kit (`runtime::scheduler`). `local::reactor` is
/// `basic_reactor<open_map_storage>`; `local::block_on(f)` runs `f` on a fresh one.
///
/// What is its own: it parks its thread when nothing is ready, through `Unparker` (a
/// `runtime::unparker`; by default `runtime::futex_unparker` on Linux, a futex word, and
/// `runtime::condvar_unparker` elsewhere, a condition variable on the inbox's mutex; see
/// `default_unparker`), owns a `timer_queue` (a real clock, or a manual one for tests), and
/// drives both from `block_on` and `run_until_idle`. Everything else (spawn, join handles, the
/// ready list, remote wakes and spawns, shutdown, the budget) is the kit's: see
/// runtime/scheduler.hpp.
///
/// - `block_on(f)` polls a root future in place until it completes, running spawned tasks
///   between polls; `run_until_idle()` runs spawned tasks until none is ready.
/// - Storage is a policy: `open_map_storage` (any root type), `closed_map_storage<Fs...>`
///   (declared types only, compile-time lookup), `boxed_storage` and `boxed_recycling_storage`
///   (the one-allocation-per-task baselines).
/// - Wake handles follow a waking policy (runtime/waking.hpp): `runtime::local_waking` by default
///   (same-thread wakers, no atomics); `atomic_waking_reactor<P>` uses `runtime::atomic_waking`
///   (`Send` wakers, atomic counts and state words), the ablation experiment 08 measures.
/// - The task type models `task`, `remote_waking_task`, `spawning_task`, `budgeted_task` (the
///   kit's) and `timer_task`: `get_timer()` is the reactor's timer queue; when nothing is ready,
///   `block_on` sleeps until the next deadline (real clock) or jumps the clock to it (manual
///   clock, as tokio's paused time) and fires what is due.
/// - `block_on` throws `runtime::stalled` when the root future is pending, no task is ready, no
///   timer is pending, and no `remote_waker` or remote handle of this reactor exists (a remote
///   waker held only by its own pending tasks still counts: see runtime/stalled.hpp). An
///   exception from the root future leaves `block_on`.
///
/// @par Thread Safety
/// Distinct objects: safe. Shared objects: unsafe, except through `remote_waker`s, remote
/// handles and remote join handles, which may be used on any thread, also after the reactor is
/// destroyed. Every member function must be called on the thread that constructed the reactor
/// (checked: `block_on`, `spawn` and `run_until_idle` throw `std::logic_error` elsewhere).

#include <gentask/core/diagnostics.hpp>
#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/pollable.hpp>
#include <gentask/runtime/condvar_unparker.hpp>
#if defined(__linux__)
#include <gentask/runtime/futex_unparker.hpp>
#endif
#include <gentask/runtime/root_session.hpp>
#include <gentask/runtime/scheduler.hpp>
#include <gentask/runtime/stalled.hpp>
#include <gentask/runtime/task_base.hpp>
#include <gentask/runtime/unparker.hpp>
#include <gentask/runtime/waking.hpp>
#include <gentask/storage/open_group_map.hpp>
#include <gentask/time/timer_queue.hpp>

#include <cstddef>
#include <optional>
#include <utility>

namespace gentask::local {

/// How the local reactor parks by default: on Linux a futex word (`runtime::futex_unparker`: a
/// remote wake is one `FUTEX_WAKE`, and the woken thread takes no lock before it polls, where
/// the condition variable's waiter re-takes the inbox's mutex and its unlock then costs a
/// system call); elsewhere a condition variable. Experiment 04 (`wake_from_idle`, variants
/// `open_map_condvar` and `open_map_eventfd`) measures the alternatives.
#if defined(__linux__)
using default_unparker = runtime::futex_unparker;
#else
using default_unparker = runtime::condvar_unparker;
#endif

template <class StoragePolicy, runtime::unparker Unparker = default_unparker,
          runtime::waking_policy Waking = runtime::local_waking>
class basic_reactor;

template <class StoragePolicy, runtime::unparker Unparker = default_unparker,
          runtime::waking_policy Waking = runtime::local_waking>
class basic_task;

/// The kit's scheduler as the local reactor uses it.
template <class StoragePolicy, runtime::unparker Unparker = default_unparker,
          runtime::waking_policy Waking = runtime::local_waking>
using basic_scheduler = runtime::scheduler<basic_task<StoragePolicy, Unparker, Waking>,
                                           StoragePolicy, Unparker, Waking>;

/// The local reactor's task (`basic_reactor<P, U, W>::task_type`): the kit's capabilities and
/// the reactor's timer queue.
template <class StoragePolicy, runtime::unparker Unparker, runtime::waking_policy Waking>
class basic_task : public runtime::task_base<basic_scheduler<StoragePolicy, Unparker, Waking>> {
 public:
  using runtime::task_base<basic_scheduler<StoragePolicy, Unparker, Waking>>::task_base;

  [[nodiscard]] timer_queue& get_timer() const noexcept { return get_reactor().get_timer(); }
  [[nodiscard]] basic_reactor<StoragePolicy, Unparker, Waking>& get_reactor() const noexcept {
    return static_cast<basic_reactor<StoragePolicy, Unparker, Waking>&>(this->get_scheduler());
  }
};

template <class StoragePolicy, runtime::unparker Unparker, runtime::waking_policy Waking>
class basic_reactor : public basic_scheduler<StoragePolicy, Unparker, Waking> {
  using base = basic_scheduler<StoragePolicy, Unparker, Waking>;

 public:
  using task_type = basic_task<StoragePolicy, Unparker, Waking>;

  basic_reactor() : base("local::reactor") {}
  /// Destroys every task first (they may hold timer registrations), then the timer queue.
  ~basic_reactor() {
    this->check_destroyable();  // on its thread, not inside its own poll (aborts otherwise)
    this->shutdown();
    timer_.clear();
  }

  /// Polls `f` until it completes and returns its result (ready or failed, never pending).
  /// Spawned tasks run between polls. Not reentrant (throws `std::logic_error`).
  template <future F>
  poll_result_t<F> block_on(F f);

  /// Runs ready tasks (and remote wakes and spawns, and due timers) until none is ready; never
  /// blocks. Returns the number of task polls made. A task that other threads wake without
  /// pause keeps it running: it returns only once nothing is ready.
  std::size_t run_until_idle();

  [[nodiscard]] timer_queue& get_timer() noexcept { return timer_; }

 private:
  timer_queue timer_;
};

using reactor = basic_reactor<open_map_storage>;

/// The local reactor with thread-safe wake handles (`runtime::atomic_waking`: `Send` wakers,
/// atomic counts and state words, tokio's shape): the ablation of NOTES section 12.
template <class StoragePolicy>
using atomic_waking_reactor =
    basic_reactor<StoragePolicy, default_unparker, runtime::atomic_waking>;

template <class P, runtime::unparker U, runtime::waking_policy W>
std::size_t basic_reactor<P, U, W>::run_until_idle() {
  this->check_entry("run_until_idle");
  std::size_t polled = 0;
  for (;;) {
    this->drain_remote();
    timer_.fire_due();
    if (!this->has_ready()) return polled;
    polled += this->run_batch();
  }
}

template <class P, runtime::unparker U, runtime::waking_policy W>
template <future F>
poll_result_t<F> basic_reactor<P, U, W>::block_on(F f) {
  if constexpr (!pollable<F, task_type>) {
    (void)require_pollable<F, task_type>();  // names the missing capability
    return {};
  } else {
    runtime::root_session<base> root(*this);  // checks the thread and refuses re-entry
    for (;;) {
      if (auto result = root.poll(f); result.is_complete()) return result;
      if (this->has_ready()) this->run_batch();
      // Due timers fire on every turn, not only when idle: a deadline is met beside tasks that
      // are always ready (a coop budget's yield, a self-waking loop), as in run_until_idle.
      timer_.fire_due();
      if (root.is_woken() || this->has_ready()) continue;
      if (this->drain_remote()) continue;
      const auto next = timer_.get_next_deadline();
      if (next && timer_.get_clock_mode() == timer_queue::clock_mode::manual) {
        timer_.advance_to(*next);  // the paused clock: nothing else can run, so time jumps
        continue;
      }
      this->on_idle();  // about to wait: give back what a burst left behind
      auto& inbox = this->get_inbox();
      if (inbox.get_unparker().park(inbox, next) == runtime::park_result::stalled) {
        runtime::throw_stalled("local::reactor::block_on");
      }
    }
  }
}

/// Runs `f` to completion on a fresh `local::reactor` and returns its result.
template <future F>
poll_result_t<F> block_on(F f) {
  reactor r;
  return r.block_on(std::move(f));
}

}  // namespace gentask::local
