#pragma once
/// @file
/// `select_all(r)`: the first child of a range of futures `r` to complete decides the result;
/// every other child is dropped at that moment (futures' `select_all`, which also hands the
/// losers back; here they are dropped, as `select` drops its losers).
///
/// The item is `std::pair<std::size_t, T>`: the winner's index in the range and its value. A
/// child that fails first fails the select with its error. An empty range is refused at once
/// (`std::invalid_argument`): it could never complete. Children are woken as `join_all`'s are
/// (range_children.hpp), except that the default never spawns them: up to `poll_all_limit`
/// every child is polled on each wake, in range order (biased: an always-ready first child
/// always wins), above it only the woken ones, from a ready queue. Polled again after
/// completion, it throws `polled_after_completion`.

#include <gentask/core/errors.hpp>
#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/task.hpp>
#include <gentask/futures/join_all.hpp>
#include <gentask/futures/range_children.hpp>

#include <array>
#include <cstddef>
#include <optional>
#include <stdexcept>
#include <utility>

namespace gentask {

template <future F, std::size_t N, range_strategy Strategy>
class select_all_future {
  using outcome_type = poll_result<item_type_t<F>, error_type_t<F>>;
  using children_type = range_children<F, N, Strategy, detail::completed, false>;

 public:
  using future_concept = future_tag;
  using slots_type = typename children_type::slots_type;
  using item_type = std::pair<std::size_t, item_type_t<F>>;
  using error_type = error_type_t<F>;

  explicit select_all_future(slots_type slots) : children_(std::move(slots)) {
    if (children_.size() == 0) {
      throw std::invalid_argument("select_all: an empty range could never complete");
    }
  }

  template <task Task>
  requires detail::range_pollable<F, Task, Strategy, false> poll_result<item_type, error_type> poll(
      Task& task) {
    if (finished_) detail::throw_polled_after_completion("select_all: polled after completion");
    std::optional<poll_result<item_type, error_type>> out;
    children_.poll(task, [&](std::size_t i, outcome_type r) -> std::optional<detail::completed> {
      if (r.is_ready()) {
        out.emplace(ready_value<item_type>{item_type(i, std::move(r).get_value())});
      } else {
        out.emplace(failed_value<error_type>{std::move(r).get_error()});
      }
      return std::nullopt;  // the first outcome stops the set: the rest are dropped
    });
    if (!out) return pending;
    finished_ = true;
    return std::move(*out);
  }

  [[nodiscard]] range_strategy get_strategy() const noexcept { return children_.get_strategy(); }

 private:
  children_type children_;
  bool finished_ = false;
};

/// The first child to complete; `select_all<range_strategy::poll_all>(r)` names the strategy.
template <range_strategy Strategy = range_strategy::automatic, class R>
requires detail::future_range<R>
auto select_all(R&& r) {
  using future_type = select_all_future<detail::range_future_t<R>, 0, Strategy>;
  return future_type(detail::make_slots<typename future_type::slots_type>(std::forward<R>(r)));
}

}  // namespace gentask
