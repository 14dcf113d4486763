#pragma once
/// @file
/// `gentask::tokio_style::basic_reactor<StoragePolicy, Dispatch>`: the essay's `TokioTask`
/// reactor, single-threaded, on an edge-triggered epoll set, a thin layer over the reactor kit
/// (`runtime::scheduler`). `tokio_style::reactor` is `basic_reactor<open_map_storage>`
/// (one-trip dispatch); `tokio_style::block_on(f)` runs `f` on a fresh one.
///
/// What is its own: an I/O driver (`epoll_driver`), a parked thread woken through an eventfd in
/// the same set (`eventfd_unparker`), a timer queue, and the loop that turns them. Everything
/// else (spawn, join handles, the ready list, remote wakes and spawns, shutdown, the budget) is
/// the kit's: see runtime/scheduler.hpp.
///
/// - The task type models `task`, `remote_waking_task`, `spawning_task`, `budgeted_task` (the
///   kit's), `io_task` (`get_io_driver()`: the epoll driver) and `timer_task` (`get_timer()`).
///   A socket future requires `io_task`, so it does not compile on the local reactor.
/// - **A turn**: poll the root if woken; run one batch of ready tasks; fire due timers; take
///   what other threads posted; then either poll the driver without blocking (every
///   `event_interval` task polls while tasks stay ready, as tokio's current_thread does, so a
///   busy reactor still sees its sockets) or, with nothing to run, park in `epoll_wait` until
///   the next deadline, an I/O event or a remote post.
/// - **Dispatch** (`Dispatch`): `one_trip` polls a task whose readiness arrived in the same
///   turn; `two_trip` delivers the notification only after the next `epoll_wait`, as tokio-core
///   (2017) did; the same futures and tests run on both.
/// - **Budget**: on by default at 128 units per task tick (tokio's): a task whose sockets are
///   always ready yields after 128 operations, so timers and other sockets are not starved.
/// - `block_on` throws `runtime::stalled` when the root is pending, no task is ready, no timer
///   is pending, no task waits for I/O, and no remote waker or remote handle exists.
/// - **Shutdown** (the destructor, or `shutdown()`): every task is destroyed once on this
///   thread (their sockets deregister), then the driver wakes whoever still waits on it (a
///   registration kept outside the reactor then reports `detached`), then the timer queue goes.
///
/// @par Thread Safety
/// Distinct objects: safe. Shared objects: unsafe, except through `remote_waker`s, remote
/// handles (`get_remote_handle()`: spawn from any thread) and remote join handles, which may be
/// used on any thread, also after the reactor is destroyed (the essay's `Remote`; everything
/// else, including the reactor itself, is its `Handle`: this thread only). Every member
/// function must be called on the thread that constructed the reactor (checked always on the
/// entry points).

#include <gentask/core/diagnostics.hpp>
#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/pollable.hpp>
#include <gentask/runtime/root_session.hpp>
#include <gentask/runtime/scheduler.hpp>
#include <gentask/runtime/waking.hpp>
#include <gentask/runtime/stalled.hpp>
#include <gentask/runtime/task_base.hpp>
#include <gentask/storage/open_group_map.hpp>
#include <gentask/time/timer_queue.hpp>

#include "epoll_driver.hpp"
#include "eventfd_unparker.hpp"

#include <cstddef>
#include <optional>
#include <utility>

namespace gentask::tokio_style {

template <class StoragePolicy, dispatch Dispatch = dispatch::one_trip,
          runtime::waking_policy Waking = runtime::local_waking>
class basic_reactor;

template <class StoragePolicy, dispatch Dispatch, runtime::waking_policy Waking>
class basic_task;

/// The kit's scheduler as the tokio-style reactor uses it.
template <class StoragePolicy, dispatch Dispatch, runtime::waking_policy Waking>
using basic_scheduler = runtime::scheduler<basic_task<StoragePolicy, Dispatch, Waking>,
                                           StoragePolicy, eventfd_unparker, Waking>;

/// The reactor's task (`basic_reactor<P, D, W>::task_type`): the kit's capabilities, the I/O
/// driver and the timer queue.
template <class StoragePolicy, dispatch Dispatch, runtime::waking_policy Waking>
class basic_task : public runtime::task_base<basic_scheduler<StoragePolicy, Dispatch, Waking>> {
 public:
  using runtime::task_base<basic_scheduler<StoragePolicy, Dispatch, Waking>>::task_base;

  [[nodiscard]] epoll_driver& get_io_driver() const noexcept {
    return get_reactor().get_io_driver();
  }
  [[nodiscard]] timer_queue& get_timer() const noexcept { return get_reactor().get_timer(); }
  [[nodiscard]] basic_reactor<StoragePolicy, Dispatch, Waking>& get_reactor() const noexcept {
    return static_cast<basic_reactor<StoragePolicy, Dispatch, Waking>&>(this->get_scheduler());
  }
};

template <class StoragePolicy, dispatch Dispatch, runtime::waking_policy Waking>
class basic_reactor : public basic_scheduler<StoragePolicy, Dispatch, Waking> {
  using base = basic_scheduler<StoragePolicy, Dispatch, Waking>;

 public:
  using task_type = basic_task<StoragePolicy, Dispatch, Waking>;
  /// Task polls between two non-blocking driver polls while tasks stay ready (tokio's
  /// `event_interval`).
  static constexpr unsigned event_interval = 61;
  /// Units of the cooperative budget per task tick (tokio's).
  static constexpr unsigned default_coop_budget = 128;

  basic_reactor() : base("tokio_style::reactor"), driver_(Dispatch) {
    this->get_inbox().get_unparker().bind(driver_);
    this->set_coop_budget(default_coop_budget);
  }
  /// With the timer queue on `mode`'s clock (manual: tests; time jumps when nothing else can
  /// run, as tokio's paused clock).
  explicit basic_reactor(timer_queue::clock_mode mode) : basic_reactor() {
    timer_.set_clock_mode(mode);
  }
  basic_reactor(const basic_reactor&) = delete;
  basic_reactor& operator=(const basic_reactor&) = delete;
  /// Destroys every task first (they hold registrations and timers), then the driver's
  /// waiters are woken, then the timer queue goes.
  ~basic_reactor() {
    this->check_destroyable();  // on its thread, not inside its own poll (aborts otherwise)
    this->shutdown();
    this->get_inbox().get_unparker().unbind();
    timer_.clear();
  }

  /// Polls `f` until it completes and returns its result (ready or failed, never pending).
  /// Spawned tasks run between polls. Not reentrant (throws `std::logic_error`).
  template <future F>
  poll_result_t<F> block_on(F f);

  /// Runs ready tasks, due timers, remote posts and the I/O events already there (one
  /// non-blocking `epoll_wait` per round) until none is ready; never blocks. Returns the number
  /// of task polls made.
  std::size_t run_until_idle();

  [[nodiscard]] epoll_driver& get_io_driver() noexcept { return driver_; }
  [[nodiscard]] timer_queue& get_timer() noexcept { return timer_; }
  [[nodiscard]] static constexpr dispatch get_dispatch() noexcept { return Dispatch; }

 private:
  /// Polls the driver without blocking (two-trip: this is the second trip of what the
  /// previous wait queued).
  void poll_io_now() {
    driver_.wait(0);
    since_io_ = 0;
  }

  epoll_driver driver_;
  timer_queue timer_;
  unsigned since_io_ = 0;  // task polls since the driver was last polled
};

/// The default: the open map, one-trip dispatch.
using reactor = basic_reactor<open_map_storage>;
/// The baseline: the same reactor with tokio-core's two-trip dispatch.
using two_trip_reactor = basic_reactor<open_map_storage, dispatch::two_trip>;

template <class P, dispatch D, runtime::waking_policy W>
std::size_t basic_reactor<P, D, W>::run_until_idle() {
  this->check_entry("run_until_idle");
  std::size_t polled = 0;
  for (;;) {
    this->drain_remote();
    timer_.fire_due();
    poll_io_now();
    if (!this->has_ready()) {
      if (driver_.has_deferred()) continue;  // two-trip: the second trip delivers them
      return polled;
    }
    polled += this->run_batch();
  }
}

template <class P, dispatch D, runtime::waking_policy W>
template <future F>
poll_result_t<F> basic_reactor<P, D, W>::block_on(F f) {
  if constexpr (!pollable<F, task_type>) {
    (void)require_pollable<F, task_type>();  // names the missing capability
    return {};
  } else {
    runtime::root_session<base> root(*this);  // checks the thread and refuses re-entry
    for (;;) {
      if (root.is_woken()) {
        ++since_io_;  // the root's polls count toward event_interval too (as in tokio's block_on)
        if (auto result = root.poll(f); result.is_complete()) return result;
      }
      if (this->has_ready()) since_io_ += static_cast<unsigned>(this->run_batch());
      timer_.fire_due();
      this->drain_remote();
      if (root.is_woken() || this->has_ready()) {
        // Busy: see the sockets every event_interval polls all the same.
        if (since_io_ >= event_interval) poll_io_now();
        continue;
      }
      if (driver_.has_deferred()) {  // two-trip: the notifications take a second trip
        poll_io_now();
        continue;
      }
      const auto next = timer_.get_next_deadline();
      if (next && timer_.get_clock_mode() == timer_queue::clock_mode::manual) {
        poll_io_now();  // the paused clock jumps only when no socket is ready either
        if (root.is_woken() || this->has_ready() || driver_.has_deferred()) continue;
        timer_.advance_to(*next);
        continue;
      }
      this->on_idle();  // about to wait: give back what a burst left behind
      since_io_ = 0;
      auto& inbox = this->get_inbox();
      if (inbox.get_unparker().park(inbox, next) == runtime::park_result::stalled) {
        runtime::throw_stalled("tokio_style::reactor::block_on");
      }
    }
  }
}

/// Runs `f` to completion on a fresh `tokio_style::reactor` and returns its result.
template <future F>
poll_result_t<F> block_on(F f) {
  reactor r;
  return r.block_on(std::move(f));
}

}  // namespace gentask::tokio_style
