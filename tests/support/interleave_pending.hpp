#pragma once
/// @file
/// `interleave_pending(s)`: a stream that returns `pending` (having woken its task) before each
/// of `s`'s results (futures-test's `interleave_pending`).

#include <gentask/core/poll_result.hpp>
#include <gentask/core/stream.hpp>
#include <gentask/core/task.hpp>

#include <type_traits>
#include <utility>

namespace gentask::test {

template <stream S>
class interleave_pending_stream {
 public:
  using stream_concept = stream_tag;
  using item_type = item_type_t<S>;
  using error_type = error_type_t<S>;

  explicit interleave_pending_stream(S s) : inner_(std::move(s)) {}

  template <task Task>
  requires pollable_stream<S, Task> stream_poll_result<item_type, error_type> poll_next(
      Task& task) {
    if (!yielded_) {
      yielded_ = true;
      task.get_waker().wake();
      return pending;
    }
    yielded_ = false;
    return inner_.poll_next(task);
  }

 private:
  S inner_;
  bool yielded_ = false;
};

template <stream S>
interleave_pending_stream<std::remove_cvref_t<S>> interleave_pending(S&& s) {
  return interleave_pending_stream<std::remove_cvref_t<S>>(std::forward<S>(s));
}

}  // namespace gentask::test
