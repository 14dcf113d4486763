#pragma once
/// @file
/// Test streams for the stream combinators (beside the shared kit in tests/support/).
///
/// - `script_stream<T, E>`: returns a scripted result per poll (an item, `pending` after waking
///   its task, or an error, which ends it), then the end; counts polls and destructions in a
///   `probe_record` when given one. `stream_item(v)` and `stream_error(e)` write the script.
/// - `needs_stream<Leaf>`: a stream pollable exactly where the future `Leaf` is (declared
///   `poll_next` only: for compile-time tables).
/// - `drain(s, task)`: polls `s` until its end (at most 1000 polls), skipping `pending`, and
///   returns its items; throws `std::logic_error` on an error or when the end does not come.
/// - `make<T>()`: declared only, a `T` in unevaluated operands (also inside lambda bodies).
/// - `stream_pollable_on<S>()` / `future_pollable_on<F>()`: one bit per archetype on which `S` /
///   `F` is pollable (the bits of tests/core/pollable_matrix.cpp).

#include <gentask/core/errors.hpp>
#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/pollable.hpp>
#include <gentask/core/stream.hpp>
#include <gentask/core/task.hpp>
#include <gentask/core/task_archetypes.hpp>

#include "support/leaf_futures.hpp"

#include <cstddef>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

namespace gentask::test {

template <class T>
ready_value<std::optional<T>> stream_item(T value) {
  return {std::optional<T>(std::move(value))};
}
template <class E>
failed_value<E> stream_error(E error) {
  return {std::move(error)};
}

template <class T = int, class E = int>
class script_stream {
 public:
  using stream_concept = stream_tag;
  using item_type = T;
  using error_type = E;
  using step = stream_poll_result<T, E>;

  script_stream(std::initializer_list<step> script, probe_record* record = nullptr)
      : script_(script), record_(record) {}
  script_stream(script_stream&& other) noexcept
      : script_(std::move(other.script_)),
        next_(other.next_),
        finished_(other.finished_),
        record_(std::exchange(other.record_, nullptr)) {}
  script_stream(const script_stream&) = delete;
  script_stream& operator=(const script_stream&) = delete;
  script_stream& operator=(script_stream&&) = delete;
  ~script_stream() {
    if (record_ != nullptr) ++record_->destroyed;
  }

  template <task Task>
  step poll_next(Task& task) {
    if (finished_) throw polled_after_completion("script_stream: polled after completion");
    if (record_ != nullptr) ++record_->polls;
    if (next_ == script_.size()) {
      finished_ = true;
      return ready_value{std::optional<T>()};
    }
    step result = std::move(script_[next_++]);
    if (result.is_pending()) task.get_waker().wake();
    if (result.is_failed()) finished_ = true;
    return result;
  }

 private:
  std::vector<step> script_;
  std::size_t next_ = 0;
  bool finished_ = false;
  probe_record* record_;
};

template <class S, class Task>
std::vector<item_type_t<S>> drain(S& s, Task& task) {
  std::vector<item_type_t<S>> items;
  for (int polls = 0; polls < 1000; ++polls) {
    auto r = s.poll_next(task);
    if (r.is_failed()) throw std::logic_error("drain: the stream failed");
    if (r.is_pending()) continue;
    if (!r.get_value()) return items;
    items.push_back(std::move(*r.get_value()));
  }
  throw std::logic_error("drain: the stream did not end within 1000 polls");
}

/// A value of `T` for unevaluated operands, also inside lambda bodies (declared only).
template <class T>
T make();

template <class Leaf>
struct needs_stream {
  using stream_concept = stream_tag;
  using item_type = item_type_t<Leaf>;
  using error_type = error_type_t<Leaf>;
  template <task Task>
  requires pollable<Leaf, Task> stream_poll_result<item_type, error_type> poll_next(Task& task);
};

template <class S>
constexpr unsigned stream_pollable_on() {
  namespace arch = archetypes;
  return (pollable_stream<S, arch::task> ? 1U : 0U) |
         (pollable_stream<S, arch::remote_waking_task> ? 2U : 0U) |
         (pollable_stream<S, arch::spawning_task> ? 4U : 0U) |
         (pollable_stream<S, arch::io_task> ? 8U : 0U) |
         (pollable_stream<S, arch::timer_task> ? 16U : 0U) |
         (pollable_stream<S, arch::ui_task> ? 32U : 0U) |
         (pollable_stream<S, arch::full_task> ? 64U : 0U);
}

template <class F>
constexpr unsigned future_pollable_on() {
  namespace arch = archetypes;
  return (pollable<F, arch::task> ? 1U : 0U) | (pollable<F, arch::remote_waking_task> ? 2U : 0U) |
         (pollable<F, arch::spawning_task> ? 4U : 0U) | (pollable<F, arch::io_task> ? 8U : 0U) |
         (pollable<F, arch::timer_task> ? 16U : 0U) | (pollable<F, arch::ui_task> ? 32U : 0U) |
         (pollable<F, arch::full_task> ? 64U : 0U);
}

inline constexpr unsigned pollable_everywhere = 127U;
inline constexpr unsigned io_only = 8U | 64U;  // io_task and full_task

}  // namespace gentask::test
