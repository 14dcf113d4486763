#pragma once
/// @file
/// `runtime::task_base<Scheduler>`: the capabilities every reactor's task gets from the kit.
/// A reactor's task type derives from it, adds what is its own (`get_timer`, `get_io_driver`,
/// `get_ui_state`) and is constructible from `(Scheduler&, task_id)`:
///
/// - `get_waker()`: a same-thread wake handle; its wake links the task into the scheduler's
///   intrusive ready list, at most once (a `queued` flag coalesces), without atomics or
///   allocation (`task`);
/// - `get_remote_waker()`: a thread-safe handle; its wake posts the task's token to the inbox
///   and unparks the reactor (`remote_waking_task`);
/// - `spawn(f)`: spawns `f` as a task of its own and returns its `join_handle`
///   (`spawning_task`);
/// - `consume_budget()`: one unit of the cooperative budget, true while it lasts (always true
///   when the budget is off) (`budgeted_task`).
///
/// A task object is two words and lives only for one poll; a future that wants to be woken
/// later keeps a waker, never the task.

#include <gentask/core/future.hpp>
#include <gentask/core/waker.hpp>
#include <gentask/spawn/join_handle.hpp>
#include <gentask/storage/task_id.hpp>

#include <utility>

namespace gentask::runtime {

template <class Scheduler>
class task_base {
 public:
  using scheduler_type = Scheduler;

  task_base(Scheduler& scheduler, task_id id) noexcept : scheduler_(&scheduler), id_(id) {}

  [[nodiscard]] waker get_waker() const noexcept { return scheduler_->make_waker(id_); }
  [[nodiscard]] remote_waker get_remote_waker() const noexcept {
    return scheduler_->make_remote_waker(id_);
  }
  template <future F>
  [[nodiscard]] join_handle<item_type_t<F>, error_type_t<F>> spawn(F f) const {
    return scheduler_->spawn(std::move(f));
  }
  [[nodiscard]] bool consume_budget() const noexcept { return scheduler_->consume_budget(); }
  [[nodiscard]] task_id get_id() const noexcept { return id_; }
  [[nodiscard]] Scheduler& get_scheduler() const noexcept { return *scheduler_; }

 private:
  Scheduler* scheduler_;
  task_id id_;
};

}  // namespace gentask::runtime
