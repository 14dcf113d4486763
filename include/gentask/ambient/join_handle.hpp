#pragma once
/// @file
/// `ambient::join_handle<T, E>`: the kit's `join_handle` as an ambient future. Polled with no
/// task, it lends the kit's handle a view of the current task (`current_task()` as its
/// `get_waker()`), so a pending join registers whatever task is being polled on this thread:
/// the spawning task's own handle when a `futures_unordered` is not in between, a per-child one
/// when it is. Dropping it cancels the task, as the kit's handle does; `detach()` lets it run.

#include <gentask/ambient/current_task.hpp>
#include <gentask/ambient/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/waker.hpp>
#include <gentask/spawn/join_error.hpp>
#include <gentask/spawn/join_handle.hpp>

#include <utility>

namespace gentask::ambient {

/// The current task, seen as an explicit task: what the kit's handle asks of the task that
/// polls it. Throws `no_current_task` from `get_waker()` outside a poll.
struct current_task_view {
  [[nodiscard]] waker get_waker() const { return current_task(); }
};

template <class T, class E>
class join_handle {
 public:
  using future_concept = ambient_future_tag;
  using item_type = T;
  using error_type = join_error<E>;

  explicit join_handle(gentask::join_handle<T, E> handle) noexcept : handle_(std::move(handle)) {}

  poll_result<T, join_error<E>> poll() {
    current_task_view view;
    return handle_.poll(view);
  }
  /// Lets the task run on without this handle.
  void detach() noexcept { handle_.detach(); }

 private:
  gentask::join_handle<T, E> handle_;
};

}  // namespace gentask::ambient
