#pragma once
/// @file
/// `streams::filter(s, pred)` / `s | streams::filter(pred)`: the items `v` of `s` for which
/// `pred(std::as_const(v))` is true, in order. Within one `poll_next`, rejected items are
/// dropped and `s` is polled again until an item is kept, `s` is pending, ends or fails. An
/// error of `s` passes through and ends the stream. `s` and `pred` are destroyed at the end, at
/// an error, or when `pred` throws (the exception leaves `poll_next` and the stream is
/// finished). Pollable on exactly the task types `s` is pollable on. Polled again after it
/// finished, it throws `polled_after_completion`.

#include <gentask/core/errors.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/stream.hpp>
#include <gentask/core/task.hpp>
#include <gentask/detail/pipeable.hpp>

#include <concepts>
#include <functional>
#include <optional>
#include <type_traits>
#include <utility>

namespace gentask::streams {

template <stream S, class Pred>
requires std::predicate < Pred&, const item_type_t<S>
& > class filter_stream {
  struct running {
    running(S s, Pred p) : stream(std::move(s)), pred(std::move(p)) {}
    S stream;
    Pred pred;
  };

 public:
  using stream_concept = stream_tag;
  using item_type = item_type_t<S>;
  using error_type = error_type_t<S>;

  filter_stream(S s, Pred pred) : state_(std::in_place, std::move(s), std::move(pred)) {}

  template <task Task>
  requires pollable_stream<S, Task> stream_poll_result<item_type, error_type> poll_next(
      Task& task) {
    if (!state_) detail::throw_polled_after_completion("streams::filter: polled after completion");
    for (;;) {
      auto result = state_->stream.poll_next(task);
      if (result.is_pending()) return result;
      if (result.is_failed() || !result.get_value()) {
        state_.reset();
        return result;
      }
      bool keep = false;
      try {
        keep = static_cast<bool>(std::invoke(state_->pred, std::as_const(*result.get_value())));
      } catch (...) {
        state_.reset();
        throw;
      }
      if (keep) return result;
    }
  }

 private:
  std::optional<running> state_;
};

struct filter_fn {
  template <stream S, class Pred>
  requires std::predicate < std::decay_t<Pred>
  &, const item_type_t<S>& > auto operator()(S&& s, Pred&& pred) const {
    return filter_stream<std::remove_cvref_t<S>, std::decay_t<Pred>>(std::forward<S>(s),
                                                                     std::forward<Pred>(pred));
  }
  template <class Pred>
  constexpr auto operator()(Pred&& pred) const {
    return detail::make_pipe_closure<filter_fn>(std::forward<Pred>(pred));
  }
};
inline constexpr filter_fn filter{};

}  // namespace gentask::streams
