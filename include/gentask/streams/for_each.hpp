#pragma once
/// @file
/// `streams::for_each(s, fn)` / `s | streams::for_each(fn)`: a future of `unit` that calls
/// `fn(v)` for each item `v` of `s` and completes at the end of `s`.
///
/// `fn` may return nothing, a plain value (ignored), or a future; a future is stored inline,
/// polled at once, and awaited before `s` is polled again (its item is ignored). The errors of
/// `s` and of `fn`'s futures must unify; the first error fails the `for_each` (short-circuit:
/// `s` and `fn` are destroyed then). `fn`'s future is destroyed when it completes, `s` and `fn`
/// at the end. If `fn` throws, the exception leaves `poll` and the future is complete. Pollable
/// on exactly the task types on which `s` and `fn`'s futures are pollable. Polled again after
/// completion, it throws `polled_after_completion`.

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

namespace gentask::detail {

/// The future `for_each` makes of an item: `fn(item)` as a future.
template <class S, class Fn>
using for_each_step_t = detail::as_future_t<std::invoke_result_t<Fn&, item_type_t<S>&&>>;

/// `fn(item)` is callable, and its future's error unifies with that of `S`.
template <class Fn, class S>
concept for_each_step = std::invocable<Fn&, item_type_t<S> &&>&&
    unifiable<error_type_t<S>, error_type_t<for_each_step_t<S, Fn>>>;

}  // namespace gentask::detail

namespace gentask::streams {

template <stream S, class Fn>
requires detail::for_each_step<Fn, S>
class for_each_future {
  using step_future = detail::for_each_step_t<S, Fn>;

  struct running {
    running(S s, Fn f) : stream(std::move(s)), fn(std::move(f)) {}
    S stream;
    Fn fn;
    std::optional<step_future> current;
  };

 public:
  using future_concept = future_tag;
  using item_type = unit;
  using error_type = unify_t<error_type_t<S>, error_type_t<step_future>>;

  for_each_future(S s, Fn fn) : state_(std::in_place, std::move(s), std::move(fn)) {}

  template <task Task>
  requires pollable_stream<S, Task> && pollable<step_future, Task>
      poll_result<item_type, error_type> poll(Task& task) {
    if (!state_)
      detail::throw_polled_after_completion("streams::for_each: polled after completion");
    running& r = *state_;
    for (;;) {
      if (r.current) {
        auto result = r.current->poll(task);
        if (result.is_pending()) return pending;
        r.current.reset();  // pruned as soon as it completes
        if (result.is_failed()) {
          state_.reset();
          return failed_value<error_type>{unify_cast<error_type>(std::move(result).get_error())};
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
        state_.reset();
        return ready_value{};
      }
      try {
        r.current.emplace(detail::construct_from{
            [&r, &item] { return detail::invoke_as_future(r.fn, std::move(*item)); }});
      } catch (...) {
        state_.reset();
        throw;
      }
    }
  }

 private:
  std::optional<running> state_;
};

struct for_each_fn {
  template <stream S, class Fn>
  requires detail::for_each_step<std::decay_t<Fn>, S>
  auto operator()(S&& s, Fn&& fn) const {
    return for_each_future<std::remove_cvref_t<S>, std::decay_t<Fn>>(std::forward<S>(s),
                                                                     std::forward<Fn>(fn));
  }
  template <class Fn>
  constexpr auto operator()(Fn&& fn) const {
    return detail::make_pipe_closure<for_each_fn>(std::forward<Fn>(fn));
  }
};
inline constexpr for_each_fn for_each{};

}  // namespace gentask::streams
