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

#include <cstddef>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>

namespace gentask {

template <future... Fs>
requires(sizeof...(Fs) > 0) && unifiable<error_type_t<Fs>...> class select_future {
 public:
  using future_concept = future_tag;
  using item_type = std::variant<item_type_t<Fs>...>;
  using error_type = unify_t<error_type_t<Fs>...>;

  explicit select_future(Fs... fs) : children_(std::in_place, std::move(fs)...) {}

  template <task Task>
  requires(pollable<Fs, Task>&&...) poll_result<item_type, error_type> poll(Task& task) {
    if (!children_) detail::throw_polled_after_completion("select: polled after completion");
    poll_result<item_type, error_type> out;
    poll_children(task, out, std::index_sequence_for<Fs...>{});
    if (out.is_complete()) children_.reset();  // the winner is spent, the losers are dropped
    return out;
  }

 private:
  template <class Task, std::size_t... Is>
  void poll_children(Task& task, poll_result<item_type, error_type>& out,
                     std::index_sequence<Is...> /*unused*/) {
    (void)(poll_child<Is>(task, out) || ...);
  }

  template <std::size_t I, class Task>
  bool poll_child(Task& task, poll_result<item_type, error_type>& out) {
    auto result = std::get<I>(*children_).poll(task);
    if (result.is_ready()) {
      out =
          ready_value<item_type>{item_type(std::in_place_index<I>, std::move(result).get_value())};
      return true;
    }
    if (result.is_failed()) {
      out = failed_value<error_type>{unify_cast<error_type>(std::move(result).get_error())};
      return true;
    }
    return false;
  }

  std::optional<std::tuple<Fs...>> children_;
};

struct select_fn {
  template <future... Fs>
  requires(sizeof...(Fs) > 0) && unifiable<error_type_t<Fs>...> auto operator()(Fs&&... fs) const {
    return select_future<std::remove_cvref_t<Fs>...>(std::forward<Fs>(fs)...);
  }
};
inline constexpr select_fn select{};

}  // namespace gentask
