#pragma once
// The replay's set (gentask::ambient::futures_unordered) seen through the contract every
// gentask set keeps (unordered/set_shell.hpp), so that the shared suite runs on it unchanged:
//
// - a child is an explicit future polled with the current task (`ambient::current_task_view`,
//   a task whose `get_waker()` is `current_task()`): inside the set's pass, that is the child's
//   own handle, swapped in by the set;
// - `poll_next(task)` opens a scope whose current task is `task` around the set's
//   `poll_next()` (what the ambient reactor does around a task's poll);
// - an item is the child's outcome: the set's ready value, or its failure (the replay fails
//   `poll_next` with the child's error, as a futures 0.1 stream yielded `Err`; the set goes on).
//
// The children see no capability but the wake handle: futures needing a timer or a spawn are
// not pollable in it (so the suite's futures-rs 2387 case, whose children sleep, does not run
// on it).
#include <gentask/ambient/current_task.hpp>
#include <gentask/ambient/future.hpp>
#include <gentask/ambient/futures_unordered.hpp>
#include <gentask/ambient/join_handle.hpp>
#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/stream.hpp>
#include <gentask/core/task.hpp>
#include <gentask/core/waker.hpp>

#include <optional>
#include <string_view>
#include <utility>

namespace gentask::test::unordered_tests {

/// An explicit future as an ambient one: polled with the current task.
template <class F>
class as_ambient {
 public:
  using future_concept = ambient::ambient_future_tag;
  using item_type = item_type_t<F>;
  using error_type = error_type_t<F>;

  explicit as_ambient(F f) : f_(std::move(f)) {}

  poll_result<item_type, error_type> poll() {
    ambient::current_task_view task;
    return f_.poll(task);
  }

 private:
  F f_;
};

template <class F>
class ambient_set {
  using inner_type = ambient::futures_unordered<as_ambient<F>>;

 public:
  using stream_concept = stream_tag;
  using item_type = poll_result<item_type_t<F>, error_type_t<F>>;
  using error_type = never;

  void push(F f) { set_.push(as_ambient<F>(std::move(f))); }
  template <task Task>
  void push(Task& /*task*/, F f) {
    push(std::move(f));
  }
  [[nodiscard]] std::size_t size() const noexcept { return set_.size(); }
  [[nodiscard]] bool empty() const noexcept { return set_.empty(); }

  template <task Task>
  stream_poll_result<item_type, never> poll_next(Task& task) {
    const ambient::task_source source{
        &task, [](const void* t) -> waker { return static_cast<const Task*>(t)->get_waker(); }};
    ambient::task_scope scope(source);
    auto r = set_.poll_next();
    if (r.is_pending()) return pending;
    if (r.is_ready()) {
      auto value = std::move(r).get_value();
      if (!value) return ready_value{std::optional<item_type>()};
      return ready_value{std::optional<item_type>(item_type(ready_value{std::move(*value)}))};
    }
    return ready_value{std::optional<item_type>(item_type(failed_value{std::move(r).get_error()}))};
  }

 private:
  inner_type set_;
};

struct ambient_variant {
  static constexpr std::string_view name = "ambient";
  template <class F>
  using set = ambient_set<F>;
};

}  // namespace gentask::test::unordered_tests
