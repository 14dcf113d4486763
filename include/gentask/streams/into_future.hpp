#pragma once
/// @file
/// `streams::into_future(s)` / `s | streams::into_future()`: a future of the next item of `s`
/// together with the rest of the stream (futures 0.1's `Stream::into_future`, whose future is
/// `StreamFuture`).
///
/// Its item is `std::pair<std::optional<T>, S>`: the next item, or `std::nullopt` at the end of
/// `s`, and `s` itself, which may be polled on (after the end, it throws as any finished
/// stream). Its error is `std::pair<E, S>`: the error and `s` (finished, since an error ends a
/// stream). When `s` cannot fail (`E` is `never`), the error is `never` rather than
/// `std::pair<never, S>`, so that it unifies with any error in later combinators. `s` is moved
/// into the result; pollable on exactly the task types `s` is pollable on. Polled again after
/// completion, it throws `polled_after_completion`.

#include <gentask/core/errors.hpp>
#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/stream.hpp>
#include <gentask/core/task.hpp>
#include <gentask/core/unit.hpp>
#include <gentask/detail/pipeable.hpp>

#include <optional>
#include <type_traits>
#include <utility>

namespace gentask::streams {

template <stream S>
class stream_future {
 public:
  using future_concept = future_tag;
  using item_type = std::pair<std::optional<item_type_t<S>>, S>;
  using error_type = std::conditional_t<std::is_same_v<error_type_t<S>, never>, never,
                                        std::pair<error_type_t<S>, S>>;

  explicit stream_future(S s) : stream_(std::in_place, std::move(s)) {}

  template <task Task>
  requires pollable_stream<S, Task> poll_result<item_type, error_type> poll(Task& task) {
    if (!stream_)
      detail::throw_polled_after_completion("streams::into_future: polled after completion");
    auto next = stream_->poll_next(task);
    if (next.is_pending()) return pending;
    S rest = std::move(*stream_);
    stream_.reset();
    if (next.is_ready()) {
      return ready_value<item_type>{item_type(std::move(next).get_value(), std::move(rest))};
    }
    if constexpr (std::is_same_v<error_type, never>) {
      __builtin_unreachable();  // `s` cannot fail
    } else {
      return failed_value<error_type>{error_type(std::move(next).get_error(), std::move(rest))};
    }
  }

 private:
  std::optional<S> stream_;
};

struct into_future_fn {
  template <stream S>
  auto operator()(S&& s) const {
    return stream_future<std::remove_cvref_t<S>>(std::forward<S>(s));
  }
  constexpr auto operator()() const { return detail::make_pipe_closure<into_future_fn>(); }
};
inline constexpr into_future_fn into_future{};

}  // namespace gentask::streams
