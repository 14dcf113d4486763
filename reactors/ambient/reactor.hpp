#pragma once
/// @file
/// `gentask::ambient::basic_reactor<StoragePolicy>`: the reactor of the thread-local baseline
/// (include/gentask/ambient/), a thin layer over the reactor kit. It runs ambient futures
/// (`poll()` with no task): each spawned future becomes a kit task whose root is
/// `in_task<F>`, which makes the polling task this thread's current task for the span of each
/// poll, as a 2017 reactor (futures 0.1's `Spawn::poll_future_notify`) set its thread-local
/// around each task's poll. `ambient::reactor` is `basic_reactor<open_map_storage>`.
///
/// - `block_on(f)` polls the ambient root `f` (inside a scope whose task is the root) until it
///   completes, running spawned tasks between polls; `run_until_idle()` runs spawned tasks until
///   none is ready. `spawn(f)` returns an `ambient::join_handle` (an ambient future of the
///   task's result); `spawn_detached(f)` drops the result.
/// - What it does not have, by design of the baseline: a capability a future needs cannot be
///   required in its type. There are no timers and no I/O driver here; a future that needs
///   them finds out at run time (or never: it waits forever, see the conformance notes in
///   NOTES.md section 13).
/// - `block_on` throws `runtime::stalled` as every kit reactor does, and refuses re-entry.
///
/// @par Thread Safety
/// As the local reactor: every member on the constructing thread; remote wakers and remote
/// handles (the kit's) on any thread.

#include <gentask/ambient/current_task.hpp>
#include <gentask/ambient/future.hpp>
#include <gentask/ambient/join_handle.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/runtime/condvar_unparker.hpp>
#include <gentask/runtime/futex_unparker.hpp>
#include <gentask/runtime/root_session.hpp>
#include <gentask/runtime/scheduler.hpp>
#include <gentask/runtime/stalled.hpp>
#include <gentask/runtime/task_base.hpp>
#include <gentask/runtime/unparker.hpp>
#include <gentask/storage/open_group_map.hpp>

#include <cstddef>
#include <optional>
#include <utility>

namespace gentask::ambient {

#if defined(__linux__)
using default_unparker = runtime::futex_unparker;
#else
using default_unparker = runtime::condvar_unparker;
#endif

template <class StoragePolicy>
class basic_reactor;

template <class StoragePolicy>
class basic_task;

/// The kit's scheduler as the ambient reactor uses it.
template <class StoragePolicy>
using basic_scheduler =
    runtime::scheduler<basic_task<StoragePolicy>, StoragePolicy, default_unparker>;

/// The reactor's task: the kit's capabilities. Ambient futures never see it; `in_task` lends
/// it to `current_task()` for the span of a poll.
template <class StoragePolicy>
class basic_task : public runtime::task_base<basic_scheduler<StoragePolicy>> {
 public:
  using runtime::task_base<basic_scheduler<StoragePolicy>>::task_base;
};

template <class StoragePolicy>
class basic_reactor : public basic_scheduler<StoragePolicy> {
  using base = basic_scheduler<StoragePolicy>;

 public:
  using task_type = basic_task<StoragePolicy>;

  basic_reactor() : base("ambient::reactor") {}
  ~basic_reactor() {
    this->check_destroyable();
    this->shutdown();
  }

  /// Polls the ambient future `f` until it completes and returns its result. Spawned tasks run
  /// between polls. Not reentrant (throws `std::logic_error`).
  template <ambient_future F>
  poll_result<typename F::item_type, typename F::error_type> block_on(F f);

  /// Spawns the ambient future `f` as a task of its own and returns an ambient future of its
  /// result (dropping it cancels the task). The baseline has no task to spawn through: a future
  /// that spawns holds the reactor, as a futures 0.1 future held its executor's `Handle`.
  template <ambient_future F>
  [[nodiscard]] join_handle<typename F::item_type, typename F::error_type> spawn(F f) {
    return join_handle<typename F::item_type, typename F::error_type>(
        base::spawn(in_task<F>(std::move(f))));
  }
  /// Spawns the ambient future `f` as a task of its own; its result is dropped.
  template <ambient_future F>
  void spawn_detached(F f) {
    base::spawn_detached(in_task<F>(std::move(f)));
  }

  /// Runs ready tasks (and remote wakes and spawns) until none is ready; never blocks.
  std::size_t run_until_idle();
};

using reactor = basic_reactor<open_map_storage>;

template <class P>
std::size_t basic_reactor<P>::run_until_idle() {
  this->check_entry("run_until_idle");
  std::size_t polled = 0;
  for (;;) {
    this->drain_remote();
    if (!this->has_ready()) return polled;
    polled += this->run_batch();
  }
}

template <class P>
template <ambient_future F>
poll_result<typename F::item_type, typename F::error_type> basic_reactor<P>::block_on(F f) {
  in_task<F> root_future(std::move(f));
  runtime::root_session<base> root(*this);  // checks the thread and refuses re-entry
  for (;;) {
    if (auto result = root.poll(root_future); result.is_complete()) return result;
    if (this->has_ready()) this->run_batch();
    if (root.is_woken() || this->has_ready()) continue;
    if (this->drain_remote()) continue;
    this->on_idle();
    auto& inbox = this->get_inbox();
    if (inbox.get_unparker().park(inbox, std::nullopt) == runtime::park_result::stalled) {
      runtime::throw_stalled("ambient::reactor::block_on");
    }
  }
}

}  // namespace gentask::ambient
