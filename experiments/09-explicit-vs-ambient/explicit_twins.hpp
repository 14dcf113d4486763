#pragma once
/// @file
/// The explicit twins of two ambient combinators, so that experiment 09 compares how a future
/// finds its task with everything else held fixed:
///
/// - `nested_and_then<F, Fn>`: `ambient::and_then` (futures 0.1's `Chain`) with `poll(Task&)`:
///   one `std::variant` slot holding the first future or the next, each step nested inside the
///   next. gentask's own `and_then` flattens a chain instead (futures/chain.hpp); workload
///   `and_then_chain` measures each design's own combinator, `and_then_nested` these twins.
/// - `slot_set<F>`: `ambient::futures_unordered` with `poll_next(Task&)`: both derive from
///   `ambient::detail::unordered_slots<F>` (the slots, ready list, pass and guards), so they
///   differ in exactly two things. The set's task: the ambient set asks `current_task()`, this
///   one takes `task.get_waker()`. A child's handle: the ambient set opens a `task_scope` whose
///   source makes it on demand; this one makes it and passes it in a `child_task<Task>` (a
///   child that wants it copies it, `get_waker()`).
///
/// Experiment code, not library: neither is a design gentask proposes.

#include <gentask/ambient/futures_unordered.hpp>
#include <gentask/core/child_task.hpp>
#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/task.hpp>
#include <gentask/core/waker.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

namespace gentask::bench::exp09 {

template <class F, class Fn>
class nested_and_then {
  using next_type = std::invoke_result_t<Fn&, item_type_t<F>>;

 public:
  using future_concept = future_tag;
  using item_type = item_type_t<next_type>;
  using error_type = error_type_t<F>;

  nested_and_then(F first, Fn fn)
      : state_(std::in_place_index<0>, std::move(first)), fn_(std::move(fn)) {}

  template <task Task>
  poll_result<item_type, error_type> poll(Task& task) {
    if (state_.index() == 0) {
      auto r = std::get<0>(state_).poll(task);
      if (r.is_pending()) return pending;
      if constexpr (!std::is_same_v<error_type, never>) {
        if (r.is_failed()) return failed_value<error_type>{std::move(r).get_error()};
      }
      next_type next = std::invoke(fn_, std::move(r).get_value());
      state_.template emplace<1>(std::move(next));
    }
    return std::get<1>(state_).poll(task);
  }

 private:
  std::variant<F, next_type> state_;
  Fn fn_;
};

template <class F, class Fn>
nested_and_then<F, Fn> nest_and_then(F f, Fn fn) {
  return nested_and_then<F, Fn>(std::move(f), std::move(fn));
}

template <class F>
class slot_set : public ambient::detail::unordered_slots<F> {
  using base = ambient::detail::unordered_slots<F>;

 public:
  using typename base::error_type;
  using typename base::item_type;

  slot_set() = default;

  template <task Task>
  poll_result<std::optional<item_type>, error_type> poll_next(Task& task) {
    if (this->empty()) return ready_value{std::optional<item_type>()};
    return this->run_pass(task.get_waker(), [this, &task](F& child, std::uint32_t slot) {
      const waker handle = this->make_child_waker(slot);
      child_task<Task> child_view(task, handle);
      return child.poll(child_view);
    });
  }
};

}  // namespace gentask::bench::exp09
