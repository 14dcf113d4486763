#pragma once
/// @file
/// `join_all(r)` and `try_join_all(r)`: a future of every child of a range of futures `r`
/// (runtime-sized: a container, a range-v3 view, a `std::array`), in the range's order.
///
/// - `join_all(r)` waits for every child and yields each one's outcome,
///   `std::vector<poll_result<T, E>>` (futures' `join_all`: a child's failure stops nothing);
///   its own error type is `never`.
/// - `try_join_all(r)` yields `std::vector<T>`; the first child to fail fails it with its
///   error, and every other child is dropped then (futures' `try_join_all`; the variadic `join`
///   behaves this way).
///
/// How the children are woken is a strategy (range_children.hpp): by default all are polled on
/// each wake up to `poll_all_limit` (8) children, and above it each is polled from a ready
/// queue with a waker of its own (spawned as a task of its own where it cannot be, and the task
/// spawns), so a wake costs O(1), not O(n). `join_all<range_strategy::spawn_per_child>(r)`
/// names one. Generic in the task type: pollable on every task on which `F` is (with
/// `ready_queue`, on `child_task<Task>`). From a `std::array` of `N` futures the result is a
/// `std::array` and nothing is allocated while `N <= poll_all_limit`. Polled again after
/// completion, it throws `polled_after_completion`.

#include <gentask/core/child_task.hpp>
#include <gentask/core/errors.hpp>
#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/pollable.hpp>
#include <gentask/core/task.hpp>
#include <gentask/futures/range_children.hpp>

#include <array>
#include <cstddef>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

namespace gentask {
namespace detail {

/// What a range combinator's children must be pollable on, for a strategy.
template <class F, class Task, range_strategy S, bool MaySpawn = true>
concept range_pollable = (S == range_strategy::poll_all && pollable<F, Task>) ||
                         (S == range_strategy::ready_queue && pollable<F, child_task<Task>>) ||
                         (S == range_strategy::spawn_per_child && spawns_join_handles<Task, F>) ||
                         (S == range_strategy::automatic && pollable<F, Task> &&
                          (pollable<F, child_task<Task>> ||
                           (MaySpawn && spawns_join_handles<Task, F>)));

template <class T, std::size_t N>
using range_result_t = std::conditional_t<N == 0, std::vector<T>, std::array<T, N>>;

}  // namespace detail

/// `Fail`: false for `join_all` (every outcome kept), true for `try_join_all`.
template <future F, std::size_t N, range_strategy Strategy, bool Fail>
class basic_join_all_future {
  using outcome_type = poll_result<item_type_t<F>, error_type_t<F>>;
  using done_type = std::conditional_t<Fail, item_type_t<F>, outcome_type>;
  using children_type = range_children<F, N, Strategy, done_type>;

 public:
  using future_concept = future_tag;
  using slots_type = typename children_type::slots_type;
  using item_type = detail::range_result_t<done_type, N>;
  using error_type = std::conditional_t<Fail, error_type_t<F>, never>;

  explicit basic_join_all_future(slots_type slots) : children_(std::move(slots)) {}

  template <task Task>
  requires detail::range_pollable<F, Task, Strategy> poll_result<item_type, error_type> poll(
      Task& task) {
    if (finished_) detail::throw_polled_after_completion("join_all: polled after completion");
    std::optional<error_type_t<F>> error;
    const bool running =
        children_.poll(task, [&](std::size_t, outcome_type r) -> std::optional<done_type> {
          if constexpr (Fail) {
            if (r.is_failed()) {
              error.emplace(std::move(r).get_error());
              return std::nullopt;
            }
            return std::move(r).get_value();
          } else {
            return r;
          }
        });
    if constexpr (Fail) {
      if (!running) {
        finished_ = true;
        return failed_value<error_type>{std::move(*error)};
      }
    }
    if (children_.get_pending_count() > 0) return pending;
    finished_ = true;
    return ready_value<item_type>{collect()};
  }

  /// The strategy chosen at the first poll (`automatic` before it).
  [[nodiscard]] range_strategy get_strategy() const noexcept { return children_.get_strategy(); }

 private:
  item_type collect() {
    auto& slots = children_.get_slots();
    if constexpr (N == 0) {
      item_type out;
      out.reserve(slots.size());
      for (auto& s : slots) out.push_back(std::move(s.template get<2>()));
      children_.drop();
      return out;
    } else {
      item_type out = [&]<std::size_t... Is>(std::index_sequence<Is...>) {
        return item_type{std::move(slots[Is].template get<2>())...};
      }
      (std::make_index_sequence<N>{});
      children_.drop();
      return out;
    }
  }

  children_type children_;
  bool finished_ = false;
};

namespace detail {
template <bool Fail, range_strategy Strategy, class R>
auto make_join_all(R&& r) {
  using future_type = basic_join_all_future<range_future_t<R>, 0, Strategy, Fail>;
  return future_type(make_slots<typename future_type::slots_type>(std::forward<R>(r)));
}
template <bool Fail, range_strategy Strategy, class F, std::size_t N>
auto make_join_all(std::array<F, N>&& a) {
  using future_type = basic_join_all_future<F, N, Strategy, Fail>;
  return future_type(make_array_slots<typename future_type::slots_type>(
      std::move(a), std::make_index_sequence<N>{}));
}
}  // namespace detail

/// Every child's outcome; `join_all<range_strategy::ready_queue>(r)` names the strategy.
template <range_strategy Strategy = range_strategy::automatic, class R>
requires detail::future_range<R>
auto join_all(R&& r) { return detail::make_join_all<false, Strategy>(std::forward<R>(r)); }

/// Every child's value, or the first child's error.
template <range_strategy Strategy = range_strategy::automatic, class R>
requires detail::future_range<R>
auto try_join_all(R&& r) { return detail::make_join_all<true, Strategy>(std::forward<R>(r)); }

}  // namespace gentask
