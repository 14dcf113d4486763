#pragma once
/// @file
/// `chain_future<F, Steps...>`: the one state machine behind `and_then`, `or_else` and `then`.
///
/// A chain starts with a future `F` and has one step per sequencing combinator applied to it.
/// Step `k` turns the result of the chain so far into the next future: `and_then` on a value,
/// `or_else` on an error, `then` on either. A result that a step does not take passes through
/// it (an error skips `and_then` steps, a value skips `or_else` steps), and the skipped closure
/// is destroyed then, since it can never run.
///
/// Applying a sequencing combinator to a chain extends the chain instead of wrapping it, so
/// `f | and_then(g) | and_then(h) | or_else(k)` is one `std::variant` of the futures it moves
/// through and a tuple of closures. A poll dispatches once on the variant index, whatever the
/// length of the chain: the shape of a hand-written state machine, where nested two-state
/// combinators (futures 0.1's `AndThen<AndThen<...>>`) pay one check per level on every poll.
///
/// Children are stored inline and pruned as the chain moves: moving to the next future destroys
/// the current one and the closure that made the next, before the next is polled. When a step's
/// closure throws, the chain is complete (nothing is left to poll) and the exception leaves
/// `poll`. Polling a completed chain throws `polled_after_completion`.

#include <gentask/errors.hpp>
#include <gentask/future.hpp>
#include <gentask/pollable.hpp>
#include <gentask/poll_result.hpp>
#include <gentask/task.hpp>
#include <gentask/unit.hpp>
#include <gentask/detail/construct_from.hpp>
#include <gentask/detail/type_list.hpp>

#include <concepts>
#include <cstddef>
#include <functional>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>

namespace gentask {
namespace detail {

enum class step_kind : unsigned char { and_then, or_else, then };

/// One step of a chain: which results it takes, and the closure type that makes its future.
template <step_kind Kind, class Fn>
struct chain_step {
  using fn_type = Fn;
  static constexpr step_kind kind = Kind;
};

/// The future a step makes from a chain whose result so far is `poll_result<T, E>`, and the
/// chain's item and error types after the step. Empty when the step does not fit (its closure
/// does not take the result, does not return a future, or the types do not unify), so that
/// `valid_step` is a clean constraint.
template <class T, class E, class Step>
struct step_types {};

/// A closure that returns a future when called with `Arg`.
template <class Fn, class Arg>
concept makes_future = std::invocable<Fn, Arg> && future<std::invoke_result_t<Fn, Arg>>;

template <class T, class E, class Fn>
  requires makes_future<Fn, T&&> && unifiable<E, error_type_t<std::invoke_result_t<Fn, T&&>>>
struct step_types<T, E, chain_step<step_kind::and_then, Fn>> {
  using next_future = std::invoke_result_t<Fn, T&&>;
  using item = item_type_t<next_future>;
  using error = unify_t<E, error_type_t<next_future>>;
};
template <class T, class E, class Fn>
  requires makes_future<Fn, E&&> && unifiable<T, item_type_t<std::invoke_result_t<Fn, E&&>>>
struct step_types<T, E, chain_step<step_kind::or_else, Fn>> {
  using next_future = std::invoke_result_t<Fn, E&&>;
  using item = unify_t<T, item_type_t<next_future>>;
  using error = error_type_t<next_future>;
};
template <class T, class E, class Fn>
  requires makes_future<Fn, poll_result<T, E>&&>
struct step_types<T, E, chain_step<step_kind::then, Fn>> {
  using next_future = std::invoke_result_t<Fn, poll_result<T, E>&&>;
  using item = item_type_t<next_future>;
  using error = error_type_t<next_future>;
};

/// Folds the steps: `futures` lists the futures the chain moves through (F first), `results`
/// the chain's result type after each of them.
template <class T, class E, class Futures, class Results, class... Steps>
struct chain_fold {
  using futures = Futures;
  using results = Results;
  using item = T;
  using error = E;
};
template <class T, class E, class Futures, class Results, class Step, class... Rest>
struct chain_fold<T, E, Futures, Results, Step, Rest...>
    : chain_fold<typename step_types<T, E, Step>::item, typename step_types<T, E, Step>::error,
                 typename push_back<Futures, typename step_types<T, E, Step>::next_future>::type,
                 typename push_back<Results,
                                    poll_result<typename step_types<T, E, Step>::item,
                                                typename step_types<T, E, Step>::error>>::type,
                 Rest...> {};

template <class F, class... Steps>
using chain_traits = chain_fold<item_type_t<F>, error_type_t<F>, type_list<F>,
                                type_list<poll_result<item_type_t<F>, error_type_t<F>>>, Steps...>;

template <class List, class Task>
inline constexpr bool all_pollable = false;
template <class... Fs, class Task>
inline constexpr bool all_pollable<type_list<Fs...>, Task> = (pollable<Fs, Task> && ...);

/// True when `Step` can follow a chain whose result so far is `poll_result<T, E>`.
template <class T, class E, class Step>
concept valid_step = requires {
  typename step_types<T, E, Step>::next_future;
  typename step_types<T, E, Step>::item;
  typename step_types<T, E, Step>::error;
};

}  // namespace detail

template <future F, class... Steps>
class chain_future {
  using traits = detail::chain_traits<F, Steps...>;
  using futures = typename traits::futures;
  using results = typename traits::results;
  static constexpr std::size_t step_count = sizeof...(Steps);
  static constexpr std::size_t completed_index = step_count + 1;
  template <std::size_t I>
  using result_at = detail::type_at_t<I, results>;
  template <std::size_t I>
  using step_at = std::tuple_element_t<I, std::tuple<Steps...>>;

  template <future, class...>
  friend class chain_future;

 public:
  using future_concept = future_tag;
  using item_type = typename traits::item;
  using error_type = typename traits::error;
  using result_type = poll_result<item_type, error_type>;

  chain_future(F first, typename Steps::fn_type... fns)
      : state_(std::in_place_index<0>, std::move(first)), fns_(std::move(fns)...) {}

  /// Extends `prev` (which has every step but the last) by the last step.
  template <class... Prev, class Fn>
  chain_future(chain_future<F, Prev...>&& prev, Fn fn)
      : state_(std::in_place_index<completed_index>), fns_(take_fns(prev, std::move(fn))) {
    static_assert(sizeof...(Prev) + 1 == step_count);
    move_state(prev, std::make_index_sequence<sizeof...(Prev) + 2>{});
  }

  /// The chain with one more step.
  template <class Step>
  using with_step = chain_future<F, Steps..., Step>;

  template <task Task>
    requires detail::all_pollable<futures, Task>
  result_type poll(Task& task) {
    result_type out;
    while (poll_current(task, out, std::make_index_sequence<step_count + 1>{})) {
    }
    return out;
  }

  /// True once the chain has completed (or a step's closure threw).
  [[nodiscard]] bool is_complete() const noexcept {
    return state_.index() == completed_index || state_.valueless_by_exception();
  }

 private:
  using state_type = typename detail::variant_of<futures, detail::completed>::type;

  /// Polls the current future; returns true when the chain moved to a new future that must be
  /// polled now.
  template <class Task, std::size_t... Is>
  bool poll_current(Task& task, result_type& out, std::index_sequence<Is...> /*unused*/) {
    const std::size_t index = state_.index();
    bool moved = false;
    if (!((index == Is && ((moved = poll_at<Is>(task, out)), true)) || ...)) {
      throw polled_after_completion("chain (and_then/or_else/then): polled after completion");
    }
    return moved;
  }

  template <std::size_t I, class Task>
  bool poll_at(Task& task, result_type& out) {
    auto result = std::get_if<I>(&state_)->poll(task);
    if (result.is_pending()) return false;
    return deliver<I + 1>(result_at<I>(std::move(result)), out);
  }

  /// Hands a completed result to step K (1-based), or past the last step to the caller.
  template <std::size_t K>
  bool deliver(result_at<K - 1>&& result, result_type& out) {
    if constexpr (K == completed_index) {
      state_.template emplace<completed_index>();
      out = std::move(result);
      return false;
    } else {
      using step = step_at<K - 1>;
      using next = result_at<K>;
      if constexpr (step::kind == detail::step_kind::then) {
        fire<K>(std::move(result));
        return true;
      } else if constexpr (step::kind == detail::step_kind::and_then) {
        if (result.is_ready()) {
          fire<K>(std::move(result).get_value());
          return true;
        }
        std::get<K - 1>(fns_).reset();
        using error = typename next::error_type;
        return deliver<K + 1>(
            next(failed_value<error>{unify_cast<error>(std::move(result).get_error())}), out);
      } else {
        if (result.is_failed()) {
          fire<K>(std::move(result).get_error());
          return true;
        }
        std::get<K - 1>(fns_).reset();
        using item = typename next::value_type;
        return deliver<K + 1>(
            next(ready_value<item>{unify_cast<item>(std::move(result).get_value())}), out);
      }
    }
  }

  /// Replaces the current future by the one step K's closure makes from `arg`.
  template <std::size_t K, class Arg>
  void fire(Arg&& arg) {
    auto& slot = std::get<K - 1>(fns_);
    auto fn = std::move(*slot);
    slot.reset();
    detail::replace_with<K>(
        state_, [&fn, &arg] { return std::invoke(std::move(fn), std::forward<Arg>(arg)); });
  }

  template <class Prev, class Fn>
  static auto take_fns(Prev& prev, Fn&& fn) {
    return std::tuple_cat(std::move(prev.fns_),
                          std::tuple<std::optional<std::decay_t<Fn>>>(std::forward<Fn>(fn)));
  }

  template <class Prev, std::size_t... Is>
  void move_state(Prev& prev, std::index_sequence<Is...> /*unused*/) {
    constexpr std::size_t prev_completed = sizeof...(Is) - 1;
    const std::size_t index = prev.state_.index();
    (void)((index == Is &&
            (Is == prev_completed
                 ? void(state_.template emplace<completed_index>())
                 : move_alternative<Is>(prev),
             true)) ||
           ...);
  }
  template <std::size_t I, class Prev>
  void move_alternative(Prev& prev) {
    if constexpr (I < completed_index) {
      if constexpr (!std::is_same_v<std::variant_alternative_t<I, typename Prev::state_type>,
                                    detail::completed>) {
        state_.template emplace<I>(std::move(*std::get_if<I>(&prev.state_)));
      }
    }
  }

  state_type state_;
  std::tuple<std::optional<typename Steps::fn_type>...> fns_;
};

namespace detail {

template <class T>
inline constexpr bool is_chain = false;
template <class F, class... Steps>
inline constexpr bool is_chain<chain_future<F, Steps...>> = true;

/// `f` followed by `Step`: extends `f` when it is a chain, starts a chain otherwise.
template <class Step, class F, class Fn>
auto append_step(F&& f, Fn&& fn) {
  using decayed = std::remove_cvref_t<F>;
  if constexpr (is_chain<decayed>) {
    using extended = typename decayed::template with_step<Step>;
    if constexpr (std::is_rvalue_reference_v<F&&>) {
      return extended(std::move(f), std::forward<Fn>(fn));
    } else {
      decayed copy(f);
      return extended(std::move(copy), std::forward<Fn>(fn));
    }
  } else {
    return chain_future<decayed, Step>(std::forward<F>(f), std::forward<Fn>(fn));
  }
}

}  // namespace detail
}  // namespace gentask
