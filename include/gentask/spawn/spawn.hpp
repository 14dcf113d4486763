#pragma once
/// @file
/// `spawn(task, f)`: spawns `f` as a task of its own through the task that is being polled, and
/// returns the join handle (`[[nodiscard]]`: dropping it cancels the task at once). The task
/// type must model `spawning_task`; on one that does not, `spawn` does not compile and the
/// diagnostic names it (`diagnostics::_TASK_DOES_NOT_MODEL_SPAWNING_TASK_<Task, F>`, declared
/// with the library's other diagnostic tags in core/diagnostics.hpp).
///
/// A leaf that spawns states the capability in its own signature
/// (`template <spawning_task T> poll(T&)`), so a tree containing it is pollable only where
/// spawning is possible; this function is for code that takes the task generically.

#include <gentask/core/diagnostics.hpp>
#include <gentask/core/future.hpp>
#include <gentask/core/task.hpp>

#include <utility>

namespace gentask {

struct spawn_fn {
  template <class Task, future F>
  [[nodiscard]] auto operator()(Task& task, F&& f) const {
    if constexpr (!spawning_task<Task>) {
      (void)sizeof(diagnostics::_TASK_DOES_NOT_MODEL_SPAWNING_TASK_<Task, std::remove_cvref_t<F>>);
    } else {
      return task.spawn(std::forward<F>(f));
    }
  }
};
inline constexpr spawn_fn spawn{};

}  // namespace gentask
