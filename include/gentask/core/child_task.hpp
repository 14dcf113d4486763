#pragma once
/// @file
/// `child_task<Task>`: the task a child is polled with where its wakes must be told apart from
/// its parent's: in the per-leaf-notification sets (unordered/per_leaf_notify.hpp,
/// ready_id_set.hpp) and in a range combinator's ready queue (futures/range_children.hpp). It
/// is the parent's task with one change: `get_waker()` returns the child's own wake handle
/// (futures 0.3 builds a `Context` from the child's `Arc<Task>`; futures 0.1.13 swapped an
/// "unpark event" carrying the child's id into the current task). Every other capability of
/// `Task` is forwarded, so a child is pollable through the adapter wherever it is pollable on
/// the parent's task, with one exception: `get_remote_waker()` is not forwarded, because a
/// thread-safe handle from the parent would wake the parent but not mark the child, and the
/// sets' per-child handles are same-thread only. A child that needs `remote_waking_task` is
/// therefore not pollable in the per-leaf baselines (it is in `spawn_per_child`, where every
/// child is a real task).
///
/// The cooperative budget is the parent's: a child's `consume_budget()` takes from the task
/// that polls the set, as in tokio (futures-rs#2526 is about exactly this sharing).

#include <gentask/core/budget.hpp>
#include <gentask/core/future.hpp>
#include <gentask/core/task.hpp>
#include <gentask/core/waker.hpp>

#include <utility>

namespace gentask {
namespace detail {

/// `ui_state_type` of `Task`, where it has one.
template <class Task>
struct ui_state_of {};
template <ui_task Task>
struct ui_state_of<Task> {
  using ui_state_type = typename Task::ui_state_type;
};

}  // namespace detail

template <task Task>
class child_task : public detail::ui_state_of<Task> {
 public:
  /// `child_waker` must outlive the adapter (it lives in the set's per-child state).
  child_task(Task& parent, const waker& child_waker) noexcept
      : parent_(&parent), waker_(&child_waker) {}

  [[nodiscard]] waker get_waker() const noexcept { return *waker_; }

  template <future F>
  [[nodiscard]] auto spawn(F&& f) const requires spawning_task<Task> {
    return parent_->spawn(std::forward<F>(f));
  }
  [[nodiscard]] decltype(auto) get_io_driver() const requires io_task<Task> {
    return parent_->get_io_driver();
  }
  [[nodiscard]] decltype(auto) get_timer() const requires timer_task<Task> {
    return parent_->get_timer();
  }
  [[nodiscard]] decltype(auto) get_ui_state() const requires ui_task<Task> {
    return parent_->get_ui_state();
  }
  [[nodiscard]] bool consume_budget() const requires budgeted_task<Task> {
    return parent_->consume_budget();
  }

 private:
  Task* parent_;
  const waker* waker_;
};

}  // namespace gentask
