#pragma once
/// @file
/// `join(fs...)`: a future of all the items of `fs...`, as a `std::tuple`, in argument order.
///
/// Each poll polls every child that has not completed, in argument order. A child that is ready
/// is destroyed at once and its value kept in its place (the `MaybeDone` layout of futures 0.3).
/// The first child to fail fails the join with its error, and every other child is destroyed
/// then (short-circuit). The errors unify (equal, or `never`). Pollable on exactly the task types
/// on which every child is pollable. Polled again after completion, it throws
/// `polled_after_completion`.

#include <gentask/core/errors.hpp>
#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/pollable.hpp>
#include <gentask/core/task.hpp>
#include <gentask/core/unit.hpp>
#include <gentask/detail/construct_from.hpp>
#include <gentask/detail/state_union.hpp>

#include <array>
#include <cstddef>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>

namespace gentask {

namespace detail {

/// True when there are children and all have one type.
template <class... Fs>
inline constexpr bool join_of_one_type = false;
template <class F, class... Fs>
inline constexpr bool join_of_one_type<F, Fs...> = (std::is_same_v<F, Fs> && ...);

}  // namespace detail

template <future... Fs>
requires unifiable<never, error_type_t<Fs>...>
class join_future {
 public:
  using future_concept = future_tag;
  using item_type = std::tuple<item_type_t<Fs>...>;
  using error_type = unify_t<never, error_type_t<Fs>...>;

  explicit join_future(Fs... fs) : children_{child<Fs>(std::in_place_index<0>, std::move(fs))...} {}

  template <task Task>
  requires(pollable<Fs, Task>&&...) poll_result<item_type, error_type> poll(Task& task) {
    return poll_all(task, std::index_sequence_for<Fs...>{});
  }

 private:
  /// A child: still running, done with its value, or gone (taken or dropped).
  template <class F>
  using child = detail::state_union<F, item_type_t<F>, detail::completed>;

  /// Children of one type (`join` of N calls of one function, say) sit in an array and each
  /// poll walks it in a loop, one copy of the child's code for all of them, as a hand-written
  /// join over an array does; children of different types sit in a tuple and the walk is
  /// unrolled, one copy per child.
  static constexpr bool homogeneous = detail::join_of_one_type<Fs...>;
  using children_type = std::conditional_t<
      homogeneous, std::array<child<std::tuple_element_t<0, std::tuple<Fs...>>>, sizeof...(Fs)>,
      std::tuple<child<Fs>...>>;

  template <class Task, std::size_t... Is>
  poll_result<item_type, error_type> poll_all(Task& task, std::index_sequence<Is...> /*unused*/) {
    if (finished_) detail::throw_polled_after_completion("join: polled after completion");
    std::optional<error_type> error;
    bool all_done = true;
    if constexpr (homogeneous) {
      for (auto& slot : children_) {
        poll_child(slot, task, error, all_done);
        if (error) break;
      }
    } else {
      ((error ? void() : poll_child(std::get<Is>(children_), task, error, all_done)), ...);
    }
    if (error) {
      finished_ = true;
      (std::get<Is>(children_).template emplace<2>(), ...);  // short-circuit: drop the rest
      return failed_value<error_type>{std::move(*error)};
    }
    if (!all_done) return pending;
    finished_ = true;
    return ready_value<item_type>{item_type(take<Is>()...)};
  }

  template <class Slot, class Task>
  void poll_child(Slot& slot, Task& task, std::optional<error_type>& error, bool& all_done) {
    if (slot.index() != 0) return;
    auto result = slot.template get<0>().poll(task);
    if (result.is_ready()) {
      slot.template emplace<1>(std::move(result).get_value());
    } else if (result.is_failed()) {
      error.emplace(unify_cast<error_type>(std::move(result).get_error()));
    } else {
      all_done = false;
    }
  }

  template <std::size_t I>
  auto take() {
    auto& slot = std::get<I>(children_);
    auto value = std::move(slot.template get<1>());
    slot.template emplace<2>();
    return value;
  }

  children_type children_;
  bool finished_ = false;
};

struct join_fn {
  template <future... Fs>
  requires unifiable<never, error_type_t<Fs>...>
  auto operator()(Fs&&... fs) const {
    return join_future<std::remove_cvref_t<Fs>...>(std::forward<Fs>(fs)...);
  }
};
inline constexpr join_fn join{};

}  // namespace gentask
