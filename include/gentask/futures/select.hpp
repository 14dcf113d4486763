#pragma once
/// @file
/// `select(fs...)`: the first of `fs...` to complete decides the result; the others (the
/// losers) are dropped at that moment.
///
/// The item is `std::variant<item_type_t<Fs>...>` whose index says which child won (index-based, so
/// equal item types are fine). A child that fails first fails the select with its error; the
/// errors unify. Children are polled in argument order on every poll (biased: an always-ready
/// first child always wins). Polled again after completion, it throws `polled_after_completion`.

#include <gentask/core/errors.hpp>
#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/pollable.hpp>
#include <gentask/core/task.hpp>
#include <gentask/core/unit.hpp>
#include <gentask/detail/visit_index.hpp>

#include <array>
#include <cstddef>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>

namespace gentask {

namespace detail {

/// True when all the children have one type.
template <class F, class... Fs>
inline constexpr bool select_of_one_type = (std::is_same_v<F, Fs> && ...);

/// The children of a `select` of one type, in an array.
template <class F, std::size_t N>
struct select_array {
  template <class... Args>
  explicit select_array(std::in_place_t /*unused*/, Args&&... fs)
      : items{std::forward<Args>(fs)...} {}
  std::array<F, N> items;
};

}  // namespace detail

template <future... Fs>
requires(sizeof...(Fs) > 0) && unifiable<error_type_t<Fs>...> class select_future {
 public:
  using future_concept = future_tag;
  using item_type = std::variant<item_type_t<Fs>...>;
  using error_type = unify_t<error_type_t<Fs>...>;

  explicit select_future(Fs... fs) : children_(make_children(std::move(fs)...)) {}

  template <task Task>
  requires(pollable<Fs, Task>&&...) poll_result<item_type, error_type> poll(Task& task) {
    if (!children_) detail::throw_polled_after_completion("select: polled after completion");
    if constexpr (homogeneous) {
      for (std::size_t i = 0; i < sizeof...(Fs); ++i) {
        auto result = children_->items[i].poll(task);
        if (result.is_complete()) return finish(std::move(result), i);
      }
      return pending;
    } else {
      return poll_children(task, std::index_sequence_for<Fs...>{});
    }
  }

 private:
  /// Children of one type sit in an array and each poll walks it in a loop, one copy of the
  /// child's code for all of them, as a hand-written select over an array does; children of
  /// different types sit in a tuple and the walk is unrolled, one copy per child.
  static constexpr bool homogeneous = detail::select_of_one_type<Fs...>;
  using children_type = std::conditional_t<
      homogeneous, detail::select_array<std::tuple_element_t<0, std::tuple<Fs...>>, sizeof...(Fs)>,
      std::tuple<Fs...>>;

  static std::optional<children_type> make_children(Fs&&... fs) {
    if constexpr (homogeneous) {
      return std::optional<children_type>(std::in_place, std::in_place, std::move(fs)...);
    } else {
      return std::optional<children_type>(std::in_place, std::move(fs)...);
    }
  }

  template <class Task, std::size_t... Is>
  poll_result<item_type, error_type> poll_children(Task& task,
                                                   std::index_sequence<Is...> /*unused*/) {
    poll_result<item_type, error_type> out;
    (void)(poll_child<Is>(task, out) || ...);
    return out;
  }

  /// Polls child I; true when it completed and decided `out`.
  template <std::size_t I, class Task>
  bool poll_child(Task& task, poll_result<item_type, error_type>& out) {
    auto result = std::get<I>(*children_).poll(task);
    if (result.is_pending()) return false;
    out = finish(std::move(result), std::integral_constant<std::size_t, I>{});
    return true;
  }

  /// The select's result from the complete result of the child at `index` (a constant, or a
  /// runtime index into the array); the winner is spent and the losers are dropped then.
  template <class Result, class Index>
  poll_result<item_type, error_type> finish(Result&& result, Index index) {
    poll_result<item_type, error_type> out = decide(std::move(result), index);
    children_.reset();
    return out;
  }
  template <class Result, class Index>
  static poll_result<item_type, error_type> decide(Result&& result, Index index) {
    if (result.is_failed()) {  // a constant false for a child that cannot fail
      return failed_value<error_type>{unify_cast<error_type>(std::move(result).get_error())};
    }
    return ready_value<item_type>{winner(index, std::move(result).get_value())};
  }

  template <std::size_t I, class V>
  static item_type winner(std::integral_constant<std::size_t, I> /*unused*/, V&& value) {
    return item_type(std::in_place_index<I>, std::forward<V>(value));
  }
  template <class V>
  static item_type winner(std::size_t index, V&& value) {
    return detail::visit_index<sizeof...(Fs)>(index, [&]<std::size_t I>() {
      return item_type(std::in_place_index<I>, std::forward<V>(value));
    });
  }

  std::optional<children_type> children_;
};

struct select_fn {
  template <future... Fs>
  requires(sizeof...(Fs) > 0) && unifiable<error_type_t<Fs>...> auto operator()(Fs&&... fs) const {
    return select_future<std::remove_cvref_t<Fs>...>(std::forward<Fs>(fs)...);
  }
};
inline constexpr select_fn select{};

}  // namespace gentask
