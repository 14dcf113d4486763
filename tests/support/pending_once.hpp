#pragma once
/// @file
/// `pending_once(f)`: returns `pending` (having woken its task) at its first poll, then behaves
/// as `f` (futures-test's `pending_once`). Checks that a combinator re-polls after a wake and
/// does not assume its children complete at once.

#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/pollable.hpp>
#include <gentask/core/task.hpp>

#include <type_traits>
#include <utility>

namespace gentask::test {

template <future F>
class pending_once_future {
 public:
  using future_concept = future_tag;
  using item_type = item_type_t<F>;
  using error_type = error_type_t<F>;

  explicit pending_once_future(F f) : inner_(std::move(f)) {}

  template <task Task>
  requires pollable<F, Task> poll_result<item_type, error_type> poll(Task& task) {
    if (!done_pending_) {
      done_pending_ = true;
      task.get_waker().wake();
      return pending;
    }
    return inner_.poll(task);
  }

 private:
  F inner_;
  bool done_pending_ = false;
};

template <future F>
pending_once_future<std::remove_cvref_t<F>> pending_once(F&& f) {
  return pending_once_future<std::remove_cvref_t<F>>(std::forward<F>(f));
}

}  // namespace gentask::test
