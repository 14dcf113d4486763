#pragma once
/// @file
/// `streams::fold(s, init, fn)` / `s | streams::fold(init, fn)`: a future of the accumulator
/// after `acc = fn(std::move(acc), v)` for each item `v` of `s`, starting from `init`.
///
/// `fn` may return the new accumulator (or a value that converts to it) or a future of it
/// (futures 0.1's `IntoFuture`); that future is stored inline, polled at once, and awaited
/// before `s` is polled again. The item is the accumulator's type (`std::decay_t` of `init`).
/// The errors of `s` and of `fn`'s futures must unify; the first error fails the fold
/// (short-circuit: `s`, `fn` and the accumulator are destroyed then). Children are destroyed as
/// soon as they are done: `fn`'s future when it completes, `s` and `fn` at the end. If `fn`
/// throws, the exception leaves `poll` and the fold is complete. Pollable on exactly the task
/// types on which `s` and `fn`'s futures are pollable. Polled again after completion, it
/// throws `polled_after_completion`.

#include <gentask/core/errors.hpp>
#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/pollable.hpp>
#include <gentask/core/stream.hpp>
#include <gentask/core/task.hpp>
#include <gentask/core/unit.hpp>
#include <gentask/detail/as_future.hpp>
#include <gentask/detail/construct_from.hpp>
#include <gentask/detail/pipeable.hpp>

#include <concepts>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

namespace gentask::detail {

/// The future a fold step makes: `fn(acc, item)` as a future.
template <class S, class Acc, class Fn>
using fold_step_t = detail::as_future_t<std::invoke_result_t<Fn&, Acc&&, item_type_t<S>&&>>;

/// `fn(acc, item)` gives the next accumulator, or a future of it with a unifiable error.
template <class Fn, class S, class Acc>
concept fold_step = std::invocable<Fn&, Acc&&, item_type_t<S> &&>&&
    std::convertible_to<item_type_t<fold_step_t<S, Acc, Fn>>, Acc>&&
        unifiable<error_type_t<S>, error_type_t<fold_step_t<S, Acc, Fn>>>;

}  // namespace gentask::detail

namespace gentask::streams {

template <stream S, class Acc, class Fn>
requires std::move_constructible<Acc> && detail::fold_step<Fn, S, Acc>
class fold_future {
  using step_future = detail::fold_step_t<S, Acc, Fn>;

  struct running {
    running(S s, Acc init, Fn f)
        : stream(std::move(s)), fn(std::move(f)), step(std::in_place_index<0>, std::move(init)) {}
    S stream;
    Fn fn;
    std::variant<Acc, step_future> step;  // the accumulator, or the future computing it
  };

 public:
  using future_concept = future_tag;
  using item_type = Acc;
  using error_type = unify_t<error_type_t<S>, error_type_t<step_future>>;

  fold_future(S s, Acc init, Fn fn)
      : state_(std::in_place, std::move(s), std::move(init), std::move(fn)) {}

  template <task Task>
  requires pollable_stream<S, Task> && pollable<step_future, Task>
      poll_result<item_type, error_type> poll(Task& task) {
    if (!state_) detail::throw_polled_after_completion("streams::fold: polled after completion");
    running& r = *state_;
    for (;;) {
      if (auto* step = std::get_if<1>(&r.step)) {
        auto result = step->poll(task);
        if (result.is_pending()) return pending;
        if (result.is_failed()) {
          state_.reset();
          return failed_value<error_type>{unify_cast<error_type>(std::move(result).get_error())};
        }
        try {
          r.step.template emplace<0>(std::move(result).get_value());  // the future is pruned
        } catch (...) {
          state_.reset();  // the accumulator is lost: the fold cannot go on
          throw;
        }
      }
      auto next = r.stream.poll_next(task);
      if (next.is_pending()) return pending;
      if (next.is_failed()) {
        state_.reset();
        return failed_value<error_type>{unify_cast<error_type>(std::move(next).get_error())};
      }
      auto& item = next.get_value();
      if (!item) {
        Acc acc = std::move(*std::get_if<0>(&r.step));
        state_.reset();
        return ready_value<Acc>{std::move(acc)};
      }
      try {
        Acc acc = std::move(*std::get_if<0>(&r.step));
        r.step.template emplace<1>(detail::construct_from{[&r, &acc, &item] {
          return detail::invoke_as_future(r.fn, std::move(acc), std::move(*item));
        }});
      } catch (...) {
        state_.reset();
        throw;
      }
    }
  }

 private:
  std::optional<running> state_;
};

struct fold_fn {
  template <stream S, class Init, class Fn>
  requires std::move_constructible<std::decay_t<Init>> &&
      std::constructible_from<std::decay_t<Init>, Init> &&
      detail::fold_step<std::decay_t<Fn>, S, std::decay_t<Init>>
  auto operator()(S&& s, Init&& init, Fn&& fn) const {
    return fold_future<std::remove_cvref_t<S>, std::decay_t<Init>, std::decay_t<Fn>>(
        std::forward<S>(s), std::forward<Init>(init), std::forward<Fn>(fn));
  }
  template <class Init, class Fn>
  requires(!stream<Init>) constexpr auto operator()(Init&& init, Fn&& fn) const {
    return detail::make_pipe_closure<fold_fn>(std::forward<Init>(init), std::forward<Fn>(fn));
  }
};
inline constexpr fold_fn fold{};

}  // namespace gentask::streams
