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
/// `f | and_then(g) | and_then(h) | or_else(k)` is one tagged union of the futures it moves
/// through (`detail::state_union`) and a tuple of closures. A poll dispatches once on the index,
/// whatever the length of the chain: the shape of a hand-written state machine, where nested
/// two-state combinators (futures 0.1's `AndThen<AndThen<...>>`) pay one check per level on
/// every poll. When every future of the chain has one type, the chain keeps one slot of that
/// type and a step counter instead (`detail::chain_states`), as a hand-written machine for such
/// a chain would: a poll then polls the slot without a dispatch, and only a completed future's
/// result is dispatched, to the step it feeds. Either way, when a step makes the next future the
/// chain polls it in the same poll, and `poll` returns `pending` as a constant rather than
/// through memory.
///
/// Children are stored inline and pruned as the chain moves: moving to the next future destroys
/// the current one and the closure that made the next, before the next is polled. When a step's
/// closure throws, the chain is complete (nothing is left to poll) and the exception leaves
/// `poll`. Polling a completed chain throws `polled_after_completion`.

#include <gentask/core/errors.hpp>
#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/pollable.hpp>
#include <gentask/core/task.hpp>
#include <gentask/core/unit.hpp>
#include <gentask/detail/construct_from.hpp>
#include <gentask/detail/state_union.hpp>
#include <gentask/detail/type_list.hpp>

#include <concepts>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>

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
requires makes_future<Fn, poll_result<T, E> &&> struct step_types<T, E,
                                                                  chain_step<step_kind::then, Fn>> {
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
    : chain_fold<
          typename step_types<T, E, Step>::item, typename step_types<T, E, Step>::error,
          typename push_back<Futures, typename step_types<T, E, Step>::next_future>::type,
          typename push_back<Results, poll_result<typename step_types<T, E, Step>::item,
                                                  typename step_types<T, E, Step>::error>>::type,
          Rest...> {};

template <class F, class... Steps>
using chain_traits = chain_fold<item_type_t<F>, error_type_t<F>, type_list<F>,
                                type_list<poll_result<item_type_t<F>, error_type_t<F>>>, Steps...>;

/// Where a chain keeps one closure until its step runs or is skipped. A closure with state sits
/// in an optional, destroyed at that moment. A stateless closure (empty, trivially copyable and
/// destructible: a captureless lambda) has nothing to destroy, so it takes no space and no flag.
template <class Fn>
class closure_slot {
 public:
  explicit closure_slot(Fn fn) : fn_(std::move(fn)) {}
  Fn take() {
    Fn fn = std::move(*fn_);
    fn_.reset();
    return fn;
  }
  void reset() noexcept { fn_.reset(); }

 private:
  std::optional<Fn> fn_;
};
template <class Fn>
requires std::is_empty_v<Fn> && std::is_trivially_copyable_v<Fn> &&
    std::is_trivially_destructible_v<Fn>
class closure_slot<Fn> {
 public:
  explicit closure_slot(Fn fn) : fn_(fn) {}
  Fn take() const { return fn_; }
  void reset() noexcept {}

 private:
  [[no_unique_address]] Fn fn_;
};

/// The closures of a chain, as a list nested from the front: extending a chain moves the
/// previous closures as one object (a block copy, or nothing for stateless closures), not one
/// element at a time.
struct fn_list_end {};
template <class Prev, class Fn>
struct fn_list {
  [[no_unique_address]] Prev prev;
  [[no_unique_address]] closure_slot<Fn> last;
};

template <class List, class... Fns>
struct fn_list_fold {
  using type = List;
};
template <class List, class Fn, class... Rest>
struct fn_list_fold<List, Fn, Rest...> : fn_list_fold<fn_list<List, Fn>, Rest...> {};

template <class... Fns>
using fn_list_of = typename fn_list_fold<fn_list_end, Fns...>::type;

/// The closure slot of step `K` (1-based) in a list of `N` closures.
template <std::size_t K, std::size_t N, class List>
auto& fn_at(List& list) {
  if constexpr (K == N) {
    return list.last;
  } else {
    return fn_at<K, N - 1>(list.prev);
  }
}

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

/// Where a chain's poll receives its result when the chain completes: nothing is built in it
/// until then. (A `poll_result` default-constructs as pending, a store on every poll that
/// returns something else; and assigning a result is dearer than building it.)
template <class R>
class result_slot {
 public:
  result_slot() noexcept {}  // NOLINT(modernize-use-equals-default): must not build `value_`
  result_slot(const result_slot&) = delete;
  result_slot& operator=(const result_slot&) = delete;
  ~result_slot() {}  // NOLINT(modernize-use-equals-default): `take` destroys `value_`

  /// Builds the result; `take` must follow.
  void set(R&& result) { std::construct_at(&value_, std::move(result)); }
  /// Moves the result out and destroys it.
  R take() {
    struct destroy {
      R* value;
      ~destroy() { std::destroy_at(value); }
    } guard{&value_};
    return std::move(value_);
  }

 private:
  union {
    R value_;
  };
};

/// Where a chain keeps its current future, and which of its futures that is (its step, 0 for
/// `F`; `count` once complete). In general, one alternative per future (`state_union`): the
/// index is the step, and polling dispatches on it.
template <class Futures>
class chain_states;

template <class... Fs>
class chain_states<type_list<Fs...>> {
  using union_type = state_union<Fs..., completed>;

 public:
  static constexpr std::size_t count = sizeof...(Fs);
  /// Whether every future has one type, kept in one slot (see the specialisation below).
  static constexpr bool shared_slot = false;
  template <std::size_t I>
  using future_at = type_at_t<I, type_list<Fs...>>;

  template <class... Args>
  explicit chain_states(std::in_place_index_t<0> tag, Args&&... args)
      : union_(tag, std::forward<Args>(args)...) {}

  /// The states of a chain extended by one future: the same step, the same future, moved.
  template <class... Ps>
  requires(sizeof...(Ps) + 1 == count) explicit chain_states(chain_states<type_list<Ps...>>&& prev)
      : union_(std::in_place_index<count>) {
    if (prev.index() == 0) {  // the usual case: extending a chain that has not started
      union_.template emplace<0>(std::move(prev.template get<0>()));
      return;
    }
    prev.visit_index([&]<std::size_t I>() {
      if constexpr (I != sizeof...(Ps)) {
        union_.template emplace<I>(std::move(prev.template get<I>()));
      }
    });
  }

  [[nodiscard]] std::size_t index() const noexcept { return union_.index(); }
  [[nodiscard]] bool is_complete() const noexcept { return union_.index() == count; }
  template <std::size_t I>
  [[nodiscard]] future_at<I>& get() noexcept {
    return union_.template get<I>();
  }
  /// Calls `fn.template operator()<I>()` for the current step `I` (`count` once complete).
  template <class Fn>
  decltype(auto) visit_index(Fn&& fn) const {
    return union_.visit_index(std::forward<Fn>(fn));
  }

  /// Destroys the current future, then makes future `I` from `args`; complete if that throws.
  template <std::size_t I, class... Args>
  void emplace(Args&&... args) {
    union_.template emplace<I>(std::forward<Args>(args)...);
  }
  void complete() noexcept { union_.template emplace<count>(); }

 private:
  union_type union_;
};

/// Every future of the chain has one type `T` (a chain of `and_then` steps that each make the
/// same kind of future): one slot of type `T` and the step in a counter, as a hand-written
/// machine for such a chain keeps them. Polling needs no dispatch then: the slot holds the
/// current future whatever the step; only a completed future's result dispatches, to its step.
template <class T, class... Ts>
requires(std::is_same_v<T, Ts>&&...) class chain_states<type_list<T, Ts...>> {
  using slot_type = state_union<T, completed>;

  template <class>
  friend class chain_states;

 public:
  static constexpr std::size_t count = sizeof...(Ts) + 1;
  static constexpr bool shared_slot = true;

  template <class... Args>
  explicit chain_states(std::in_place_index_t<0> tag, Args&&... args)
      : slot_(tag, std::forward<Args>(args)...) {}

  /// The states of a chain extended by one future of the same type: the same slot and step.
  template <class... Ps>
  requires(sizeof...(Ps) + 1 == count) explicit chain_states(chain_states<type_list<Ps...>>&& prev)
      : slot_(std::move(prev.slot_)), step_(prev.step_) {}

  [[nodiscard]] std::size_t index() const noexcept { return is_complete() ? count : step_; }
  [[nodiscard]] bool is_complete() const noexcept { return slot_.index() != 0; }
  /// The current future (of any step).
  [[nodiscard]] T& current() noexcept { return slot_.template get<0>(); }
  template <std::size_t I>
  [[nodiscard]] T& get() noexcept {
    return current();
  }
  template <class Fn>
  decltype(auto) visit_index(Fn&& fn) const {
    return detail::visit_index<count + 1>(index(), fn);
  }
  /// The current step; the chain must not be complete.
  [[nodiscard]] std::size_t step() const noexcept { return step_; }
  template <std::size_t I, class... Args>
  void emplace(Args&&... args) {
    slot_.template emplace<0>(std::forward<Args>(args)...);
    step_ = static_cast<step_type>(I);
  }
  void complete() noexcept { slot_.template emplace<1>(); }

 private:
  using step_type = std::conditional_t<(count < 256), unsigned char, std::size_t>;

  slot_type slot_;
  step_type step_ = 0;
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
  using step_at = detail::pack_element_t<I, Steps...>;

  template <future, class...>
  friend class chain_future;

 public:
  using future_concept = future_tag;
  using item_type = typename traits::item;
  using error_type = typename traits::error;
  using result_type = poll_result<item_type, error_type>;

  chain_future(F first, typename Steps::fn_type... fns)
      : states_(std::in_place_index<0>, std::move(first)), fns_(make_fns(std::move(fns)...)) {}

  /// Extends `prev` (which has every step but the last) by the last step. Costs one move of
  /// each closure and of the current future: O(1) per step for the usual stateless closures.
  template <class... Prev, class Fn>
  chain_future(chain_future<F, Prev...>&& prev, Fn fn)
      : states_(std::move(prev.states_)),
        fns_{std::move(prev.fns_), detail::closure_slot<Fn>(std::move(fn))} {
    static_assert(sizeof...(Prev) + 1 == step_count);
  }

  /// The chain with one more step.
  template <class Step>
  using with_step = chain_future<F, Steps..., Step>;

  template <task Task>
  requires detail::all_pollable<futures, Task> result_type poll(Task& task) {
    detail::result_slot<result_type> out;
    if constexpr (states_type::shared_slot) {
      if (states_.is_complete()) throw_polled_after_completion();
      for (;;) {
        auto result = states_.current().poll(task);
        if (result.is_pending()) return pending;
        // The slot's future completed: hand its result to the next step (one dispatch, on
        // the step, once per future).
        const outcome next = detail::visit_index_inline<step_count + 1>(
            states_.step(),
            [&]<std::size_t I>() { return deliver<I + 1>(result_at<I>(std::move(result)), out); });
        if (next == outcome::complete) return out.take();
      }
    } else {
      for (;;) {
        switch (poll_current(task, out)) {
          case outcome::pending:
            return pending;
          case outcome::moved:
            continue;
          case outcome::complete:
            return out.take();
        }
      }
    }
  }

  /// True once the chain has completed (or a step's closure threw).
  [[nodiscard]] bool is_complete() const noexcept { return states_.is_complete(); }

 private:
  using states_type = detail::chain_states<futures>;
  using fn_list_type = detail::fn_list_of<typename Steps::fn_type...>;

  /// What one poll of the current future did: it is pending, the chain moved to a new future
  /// that must be polled now, or the chain completed (its result in `out`). `poll` returns
  /// `pending` as a constant, not read back from `out`, so that the caller's test of the result
  /// folds away on that path; only a complete result goes through memory.
  enum class outcome : unsigned char { pending, moved, complete };

  [[noreturn]] static void throw_polled_after_completion() {
    detail::throw_polled_after_completion("chain (and_then/or_else/then): polled after completion");
  }

  /// Polls the current future. One jump-table dispatch on the state index, on every poll.
  template <class Task>
  outcome poll_current(Task& task, detail::result_slot<result_type>& out) {
    return detail::visit_index_inline<completed_index + 1>(
        states_.index(), [&]<std::size_t I>() -> outcome {
          if constexpr (I == completed_index) {
            throw_polled_after_completion();
          } else {
            auto result = states_.template get<I>().poll(task);
            if (result.is_pending()) return outcome::pending;
            return deliver<I + 1>(result_at<I>(std::move(result)), out);
          }
        });
  }

  /// Hands a completed result to step K (1-based), or past the last step to the caller.
  template <std::size_t K>
  outcome deliver(result_at<K - 1>&& result, detail::result_slot<result_type>& out) {
    if constexpr (K == completed_index) {
      states_.complete();
      out.set(std::move(result));
      return outcome::complete;
    } else {
      using step = step_at<K - 1>;
      using next = result_at<K>;
      if constexpr (step::kind == detail::step_kind::then) {
        fire<K>(std::move(result));
        return outcome::moved;
      } else if constexpr (step::kind == detail::step_kind::and_then) {
        if (result.is_ready()) {
          fire<K>(std::move(result).get_value());
          return outcome::moved;
        }
        slot<K>().reset();
        using error = typename next::error_type;
        return deliver<K + 1>(
            next(failed_value<error>{unify_cast<error>(std::move(result).get_error())}), out);
      } else {
        if (result.is_failed()) {
          fire<K>(std::move(result).get_error());
          return outcome::moved;
        }
        slot<K>().reset();
        using item = typename next::value_type;
        return deliver<K + 1>(
            next(ready_value<item>{unify_cast<item>(std::move(result).get_value())}), out);
      }
    }
  }

  /// Replaces the current future by the one step K's closure makes from `arg`.
  template <std::size_t K, class Arg>
  void fire(Arg&& arg) {
    auto fn = slot<K>().take();
    // Destroys the current future, then builds the next in place; if `fn` throws, the chain is
    // complete.
    states_.template emplace<K>(detail::construct_from{
        [&fn, &arg] { return std::invoke(std::move(fn), std::forward<Arg>(arg)); }});
  }

  template <std::size_t K>
  auto& slot() noexcept {
    return detail::fn_at<K, step_count>(fns_);
  }

  template <class Fn, class... Rest>
  static auto make_fns(Fn&& fn, Rest&&... rest) {
    return append_fns(
        detail::fn_list<detail::fn_list_end, std::decay_t<Fn>>{
            {}, detail::closure_slot<std::decay_t<Fn>>(std::forward<Fn>(fn))},
        std::forward<Rest>(rest)...);
  }
  template <class List>
  static List append_fns(List&& list) {
    return std::move(list);
  }
  template <class List, class Fn, class... Rest>
  static auto append_fns(List&& list, Fn&& fn, Rest&&... rest) {
    return append_fns(
        detail::fn_list<List, std::decay_t<Fn>>{
            std::move(list), detail::closure_slot<std::decay_t<Fn>>(std::forward<Fn>(fn))},
        std::forward<Rest>(rest)...);
  }

  states_type states_;
  fn_list_type fns_;
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
