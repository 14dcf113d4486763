#pragma once
/// @file
/// `gentask::ui_invoke::basic_reactor<StoragePolicy, Backend, State>`: the essay's single-threaded
/// UI-invoke reactor, a thin layer over the reactor kit (`runtime::scheduler`). It stays on one
/// thread (the UI thread: the one that constructs it); other threads hand it work by posting
/// (`get_ui_handle()`: `post`, `invoke`, `spawn`), and futures that touch the UI state can, by
/// their type, run only here.
///
/// - `ui_invoke::reactor` is `basic_reactor<open_map_storage>` on its own loop (`plain_loop`:
///   tests, experiments); `ui_invoke::glib_reactor` (glib_reactor.hpp) runs on a GLib main
///   context. Both pass the kit's conformance suite.
/// - The task type models `task`, `remote_waking_task`, `spawning_task`, `budgeted_task` (the
///   kit's), `timer_task` (`get_timer()`) and `ui_task`: `get_ui_state()` is the reactor's
///   `State` (nothing global), reached only through the task. A task is made only by the
///   reactor, on its thread, for one poll (its constructor is private to the kit), and
///   `get_ui_state()` checks the thread (`std::logic_error` elsewhere) should a copy leak.
///   A future that needs `ui_task` does not compile on the local or the tokio-style reactor.
/// - `block_on(f)` polls a root future until it completes, running tasks, posted callbacks and
///   timers between polls, and waits in its backend when nothing is ready; `run_until_idle()`
///   runs until nothing is ready and never blocks. With the GLib backend the toolkit's loop
///   (`gtk_main`) runs the tasks too, one batch per dispatch.
/// - `block_on` throws `runtime::stalled` when the root future is pending, no task is ready, no
///   timer is pending, and no remote waker or handle (a `ui_handle` included) exists.
/// - **Shutdown** (the destructor, or `shutdown()`): every task is destroyed once on this
///   thread, posts still queued are destroyed unrun, invokes waiting on other threads throw
///   `stopped_error`, and later posts, invokes and spawns are refused. Then the backend goes.
///
/// @par Thread Safety
/// Distinct objects: safe. Shared objects: unsafe, except through `ui_handle`s, remote wakers,
/// remote handles and remote join handles, which may be used on any thread, also after the
/// reactor is destroyed. Every member function must be called on the UI thread (checked on
/// the entry points).

#include <gentask/core/diagnostics.hpp>
#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/pollable.hpp>
#include <gentask/core/thread_check.hpp>
#include <gentask/runtime/root_session.hpp>
#include <gentask/runtime/scheduler.hpp>
#include <gentask/runtime/stalled.hpp>
#include <gentask/runtime/task_base.hpp>
#include <gentask/storage/open_group_map.hpp>
#include <gentask/time/timer_queue.hpp>

#include "loop_target.hpp"
#include "plain_loop.hpp"
#include "ui_handle.hpp"

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <optional>
#include <thread>
#include <utility>

namespace gentask::ui_invoke {

/// The UI state of a reactor declared without one.
struct no_ui_state {};

template <class StoragePolicy, class Backend, class State>
class basic_reactor;

template <class StoragePolicy, class Backend, class State>
class basic_task;

/// The kit's scheduler as the UI-invoke reactor uses it.
template <class StoragePolicy, class Backend, class State>
using basic_scheduler = runtime::scheduler<basic_task<StoragePolicy, Backend, State>,
                                           StoragePolicy, typename Backend::unparker_type>;

/// The reactor's task (`basic_reactor<P, B, S>::task_type`): the kit's capabilities, the timer
/// queue and the UI state. Made only by the kit, on the UI thread.
template <class StoragePolicy, class Backend, class State>
class basic_task : public runtime::task_base<basic_scheduler<StoragePolicy, Backend, State>> {
  using scheduler_type = basic_scheduler<StoragePolicy, Backend, State>;
  friend scheduler_type;
  friend class runtime::root_session<scheduler_type>;
  basic_task(scheduler_type& s, task_id id) noexcept : runtime::task_base<scheduler_type>(s, id) {}

 public:
  using ui_state_type = State;

  /// The UI thread's state; `std::logic_error` off the UI thread.
  [[nodiscard]] State& get_ui_state() const {
    this->get_scheduler().check_thread("get_ui_state");
    return get_reactor().get_ui_state();
  }
  [[nodiscard]] timer_queue& get_timer() const noexcept { return get_reactor().get_timer(); }
  [[nodiscard]] basic_reactor<StoragePolicy, Backend, State>& get_reactor() const noexcept {
    return static_cast<basic_reactor<StoragePolicy, Backend, State>&>(this->get_scheduler());
  }
};

template <class StoragePolicy, class Backend = plain_loop, class State = no_ui_state>
class basic_reactor : public basic_scheduler<StoragePolicy, Backend, State>, private loop_target {
  using base = basic_scheduler<StoragePolicy, Backend, State>;

 public:
  using task_type = basic_task<StoragePolicy, Backend, State>;
  using backend_type = Backend;
  using ui_state_type = State;
  using ui_handle_type = ui_handle<base>;

  basic_reactor() : basic_reactor(Backend()) {}
  /// On `backend` (a GLib context of the caller's, say), with a default `State`.
  explicit basic_reactor(Backend backend) : base(Backend::name), backend_(std::move(backend)) {
    if constexpr (requires { backend_.attach(*this, this->get_inbox().get_unparker()); }) {
      backend_.attach(static_cast<loop_target&>(*this), this->get_inbox().get_unparker());
    }
  }
  /// With the timer queue on `mode`'s clock (manual: tests; time jumps in `block_on` when
  /// nothing else can run, as tokio's paused clock).
  explicit basic_reactor(timer_queue::clock_mode mode) : basic_reactor() {
    timer_.set_clock_mode(mode);
  }
  basic_reactor(const basic_reactor&) = delete;
  basic_reactor& operator=(const basic_reactor&) = delete;
  /// Destroys every task and queued post first (they may hold timers and UI state), then the
  /// backend's source, then the timer queue.
  ~basic_reactor() {
    this->check_destroyable();  // on its thread, not inside its own poll (aborts otherwise)
    this->shutdown();
    if constexpr (requires { backend_.detach(); }) backend_.detach();
    timer_.clear();
  }

  /// Polls `f` until it completes and returns its result (ready or failed, never pending).
  /// Tasks, posted callbacks and timers run between polls. Not reentrant (`std::logic_error`).
  template <future F>
  poll_result_t<F> block_on(F f);

  /// Runs ready tasks, posted callbacks and due timers until no task is ready and nothing is
  /// posted (a callback that posts another keeps it going, as a task that wakes itself does);
  /// never blocks, and never iterates a GLib context. Returns the number of task polls made.
  std::size_t run_until_idle();

  /// The thread-safe handle for posting, invoking and spawning from any thread.
  [[nodiscard]] ui_handle_type get_ui_handle() noexcept {
    return ui_handle_type(&this->get_inbox(), ui_thread_);
  }
  /// The UI state (the UI thread only, unchecked here: the reactor is this thread's anyway).
  [[nodiscard]] State& get_ui_state() noexcept { return state_; }
  [[nodiscard]] timer_queue& get_timer() noexcept { return timer_; }
  [[nodiscard]] Backend& get_backend() noexcept { return backend_; }

 private:
  // loop_target: a toolkit's loop runs the reactor, a turn at a time.
  [[nodiscard]] bool can_run() const noexcept { return !this->is_polling() && !this->is_closing(); }
  bool has_work() noexcept override {
    return can_run() && (this->has_ready() || this->get_inbox().is_nonempty());
  }
  std::optional<timer_clock::duration> get_time_to_next_deadline() noexcept override {
    if (!can_run() || timer_.get_clock_mode() == timer_queue::clock_mode::manual) return {};
    const auto next = timer_.get_next_deadline();
    if (!next) return {};
    return *next - timer_.now();
  }
  void run_turn() noexcept override {
    if (!can_run()) return;
    if (std::this_thread::get_id() != ui_thread_) [[unlikely]] {
      detail::abort_off_thread(Backend::name, "run its main context on the thread that made it");
    }
    try {
      this->drain_remote();
      timer_.fire_due();
      if (this->has_ready()) this->run_batch();
    } catch (...) {
      // Only the kit's own failures get here (a task's exception is its join's): nothing may
      // unwind through the toolkit's C frames.
      std::fprintf(stderr, "gentask: %s: an exception escaped a turn of the reactor run by the "
                   "toolkit's loop; aborting\n", Backend::name);
      std::fflush(stderr);
      std::abort();
    }
  }

  Backend backend_;
  timer_queue timer_;
  State state_{};
  std::thread::id ui_thread_ = std::this_thread::get_id();
};

/// The default: the open map on the plain loop, no UI state.
using reactor = basic_reactor<open_map_storage>;

template <class P, class B, class S>
std::size_t basic_reactor<P, B, S>::run_until_idle() {
  this->check_entry("run_until_idle");
  std::size_t polled = 0;
  for (;;) {
    this->drain_remote();
    timer_.fire_due();
    if (!this->has_ready()) {
      if (this->get_inbox().is_nonempty()) continue;  // a callback posted another
      return polled;
    }
    polled += this->run_batch();
  }
}

template <class P, class B, class S>
template <future F>
poll_result_t<F> basic_reactor<P, B, S>::block_on(F f) {
  if constexpr (!pollable<F, task_type>) {
    (void)require_pollable<F, task_type>();  // names the missing capability
    return {};
  } else {
    runtime::root_session<base> root(*this);  // checks the thread and refuses re-entry
    for (;;) {
      if (auto result = root.poll(f); result.is_complete()) return result;
      if (this->has_ready()) this->run_batch();
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
        runtime::throw_stalled(B::name);
      }
    }
  }
}

/// Runs `f` to completion on a fresh `ui_invoke::reactor` and returns its result.
template <future F>
poll_result_t<F> block_on(F f) {
  reactor r;
  return r.block_on(std::move(f));
}

}  // namespace gentask::ui_invoke
