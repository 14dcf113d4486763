#pragma once
/// @file
/// `streams::and_then(s, fn)` / `s | streams::and_then(fn)`: for each item `v` of `s`, runs the
/// future `fn(v)` and yields its item. `fn` must return a future; the errors of `s` and of that
/// future must unify (equal, or one of them `never`), and either ends the stream.
///
/// Sequential, as futures 0.1's `Stream::and_then`: one future at a time, stored inline,
/// polled to completion (and destroyed when it completes) before `s` is polled again. Within
/// one `poll_next`, `fn(v)`'s future is polled as soon as it is made. `s` and `fn` are
/// destroyed at the end, at an error, or when `fn` throws (the exception leaves `poll_next` and
/// the stream is finished). Pollable on exactly the task types on which `s` and `fn`'s futures
/// are pollable. Polled again after it finished, it throws `polled_after_completion`.

#include <gentask/core/errors.hpp>
#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/pollable.hpp>
#include <gentask/core/stream.hpp>
#include <gentask/core/task.hpp>
#include <gentask/core/unit.hpp>
#include <gentask/detail/construct_from.hpp>
#include <gentask/detail/pipeable.hpp>

#include <concepts>
#include <functional>
#include <optional>
#include <type_traits>
#include <utility>

namespace gentask::detail {

/// `fn` makes, from an item of `S`, a future whose error unifies with that of `S`.
template <class Fn, class S>
concept item_to_future =
    std::invocable<Fn&, item_type_t<S> &&>&& future<std::invoke_result_t<Fn&, item_type_t<S>&&>>&&
        unifiable<error_type_t<S>, error_type_t<std::invoke_result_t<Fn&, item_type_t<S>&&>>>;

}  // namespace gentask::detail

namespace gentask::streams {

template <stream S, class Fn>
requires detail::item_to_future<Fn, S>
class and_then_stream {
  using next_future = std::invoke_result_t<Fn&, item_type_t<S>&&>;

  struct running {
    running(S s, Fn f) : stream(std::move(s)), fn(std::move(f)) {}
    S stream;
    Fn fn;
    std::optional<next_future> current;
  };

 public:
  using stream_concept = stream_tag;
  using item_type = item_type_t<next_future>;
  using error_type = unify_t<error_type_t<S>, error_type_t<next_future>>;

  and_then_stream(S s, Fn fn) : state_(std::in_place, std::move(s), std::move(fn)) {}

  template <task Task>
  requires pollable_stream<S, Task> && pollable<next_future, Task>
      stream_poll_result<item_type, error_type> poll_next(Task& task) {
    if (!state_)
      detail::throw_polled_after_completion("streams::and_then: polled after completion");
    running& r = *state_;
    if (!r.current) {
      auto next = r.stream.poll_next(task);
      if (next.is_pending()) return pending;
      if (next.is_failed()) {
        state_.reset();
        return failed_value<error_type>{unify_cast<error_type>(std::move(next).get_error())};
      }
      auto& item = next.get_value();
      if (!item) {
        state_.reset();
        return ready_value{std::optional<item_type>()};
      }
      try {
        r.current.emplace(
            detail::construct_from{[&r, &item] { return std::invoke(r.fn, std::move(*item)); }});
      } catch (...) {
        state_.reset();
        throw;
      }
    }
    auto result = r.current->poll(task);
    if (result.is_pending()) return pending;
    r.current.reset();  // pruned as soon as it completes
    if (result.is_failed()) {
      state_.reset();
      return failed_value<error_type>{unify_cast<error_type>(std::move(result).get_error())};
    }
    return ready_value{std::optional<item_type>(std::in_place, std::move(result).get_value())};
  }

 private:
  std::optional<running> state_;
};

struct and_then_fn {
  template <stream S, class Fn>
  requires detail::item_to_future<std::decay_t<Fn>, S>
  auto operator()(S&& s, Fn&& fn) const {
    return and_then_stream<std::remove_cvref_t<S>, std::decay_t<Fn>>(std::forward<S>(s),
                                                                     std::forward<Fn>(fn));
  }
  template <class Fn>
  constexpr auto operator()(Fn&& fn) const {
    return detail::make_pipe_closure<and_then_fn>(std::forward<Fn>(fn));
  }
};
inline constexpr and_then_fn and_then{};

}  // namespace gentask::streams
