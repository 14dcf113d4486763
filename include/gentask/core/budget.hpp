#pragma once
/// @file
/// The cooperative budget (tokio's `coop`): a reactor may give each task a number of polls of
/// leaf resources per tick (tokio: 128). A leaf that is ready (a mutex free, a semaphore permit
/// available, an item in a channel) first asks `poll_proceed(task)`; when the task's budget is
/// spent, it wakes the task and returns `pending` instead, so a task that finds every resource
/// ready still yields to the reactor and to its siblings.
///
/// The budget is optional: `budgeted_task` is not a rung that any future *requires*; a leaf
/// adapts to it (`poll_proceed` is always true on a task type without a budget).

#include <gentask/core/task.hpp>

#include <concepts>

namespace gentask {

/// A task whose reactor keeps a cooperative budget: `consume_budget()` takes one unit and
/// returns false when none was left.
template <class T>
concept budgeted_task = task<T> && requires(T& t) {
  { t.consume_budget() } -> std::same_as<bool>;
};

/// For leaves: true to go on; false when the task's budget is spent, in which case the task has
/// been woken (it will be polled again after the others) and the leaf must return `pending`.
template <task Task>
bool poll_proceed(Task& task) {
  if constexpr (budgeted_task<Task>) {
    if (!task.consume_budget()) {
      task.get_waker().wake();
      return false;
    }
  }
  return true;
}

}  // namespace gentask
