#pragma once
/// @file
/// `streams::map(s, fn)` / `s | streams::map(fn)`: a stream of `fn(v)` for each item `v` of `s`
/// (`void` becomes `unit`; a returned reference is copied). An error of `s` passes through
/// unchanged and ends the stream. `s` and `fn` are destroyed at the end, at an error, or when
/// `fn` throws (the exception leaves `poll_next` and the stream is finished). Pollable on exactly
/// the task types `s` is pollable on. Polled again after it finished, it throws
/// `polled_after_completion`.

#include <gentask/core/errors.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/stream.hpp>
#include <gentask/core/task.hpp>
#include <gentask/core/unit.hpp>
#include <gentask/detail/pipeable.hpp>

#include <concepts>
#include <optional>
#include <type_traits>
#include <utility>

namespace gentask::streams {

template <stream S, class Fn>
requires std::invocable<Fn&, item_type_t<S> &&> class map_stream {
  struct running {
    running(S s, Fn f) : stream(std::move(s)), fn(std::move(f)) {}
    S stream;
    Fn fn;
  };

 public:
  using stream_concept = stream_tag;
  /// What `fn` returns, decayed (a returned reference is copied into the item).
  using item_type = std::decay_t<void_to_unit_t<std::invoke_result_t<Fn&, item_type_t<S>&&>>>;
  using error_type = error_type_t<S>;

  map_stream(S s, Fn fn) : state_(std::in_place, std::move(s), std::move(fn)) {}

  template <task Task>
  requires pollable_stream<S, Task> stream_poll_result<item_type, error_type> poll_next(
      Task& task) {
    if (!state_) detail::throw_polled_after_completion("streams::map: polled after completion");
    auto result = state_->stream.poll_next(task);
    if (result.is_pending()) return pending;
    if (result.is_failed()) {
      state_.reset();
      return failed_value<error_type>{std::move(result).get_error()};
    }
    auto& item = result.get_value();
    if (!item) {
      state_.reset();
      return ready_value{std::optional<item_type>()};
    }
    try {
      return ready_value{std::optional<item_type>(
          std::in_place, detail::invoke_to_unit(state_->fn, std::move(*item)))};
    } catch (...) {
      state_.reset();
      throw;
    }
  }

 private:
  std::optional<running> state_;
};

struct map_fn {
  template <stream S, class Fn>
  requires std::invocable < std::decay_t<Fn>
  &, item_type_t<S>&& > auto operator()(S&& s, Fn&& fn) const {
    return map_stream<std::remove_cvref_t<S>, std::decay_t<Fn>>(std::forward<S>(s),
                                                                std::forward<Fn>(fn));
  }
  template <class Fn>
  constexpr auto operator()(Fn&& fn) const {
    return detail::make_pipe_closure<map_fn>(std::forward<Fn>(fn));
  }
};
inline constexpr map_fn map{};

}  // namespace gentask::streams
