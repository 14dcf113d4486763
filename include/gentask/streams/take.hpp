#pragma once
/// @file
/// `streams::take(s, n)` / `s | streams::take(n)`: the first `n` items of `s`, then the end
/// (fewer if `s` ends or fails first; an error of `s` passes through and ends the stream). `s`
/// is destroyed as soon as it is done: right after its `n`-th item is returned (so `s` is never
/// polled for an item it will not give), or at its end or error; `take(s, 0)` ends at its first
/// poll without polling `s`. Pollable on exactly the task types `s` is pollable on. Polled
/// again after it ended, it throws `polled_after_completion`.

#include <gentask/core/errors.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/stream.hpp>
#include <gentask/core/task.hpp>
#include <gentask/detail/pipeable.hpp>

#include <cstddef>
#include <optional>
#include <type_traits>
#include <utility>

namespace gentask::streams {

template <stream S>
class take_stream {
 public:
  using stream_concept = stream_tag;
  using item_type = item_type_t<S>;
  using error_type = error_type_t<S>;

  take_stream(S s, std::size_t n) : inner_(std::in_place, std::move(s)), remaining_(n) {}

  template <task Task>
  requires pollable_stream<S, Task> stream_poll_result<item_type, error_type> poll_next(
      Task& task) {
    if (ended_) detail::throw_polled_after_completion("streams::take: polled after completion");
    if (remaining_ == 0) {
      inner_.reset();
      ended_ = true;
      return ready_value{std::optional<item_type>()};
    }
    auto result = inner_->poll_next(task);
    if (result.is_pending()) return result;
    if (result.is_failed() || !result.get_value()) {
      inner_.reset();
      ended_ = true;
      return result;
    }
    if (--remaining_ == 0) inner_.reset();  // done: pruned now, the end comes at the next poll
    return result;
  }

 private:
  std::optional<S> inner_;
  std::size_t remaining_;
  bool ended_ = false;
};

struct take_fn {
  template <stream S>
  auto operator()(S&& s, std::size_t n) const {
    return take_stream<std::remove_cvref_t<S>>(std::forward<S>(s), n);
  }
  constexpr auto operator()(std::size_t n) const { return detail::make_pipe_closure<take_fn>(n); }
};
inline constexpr take_fn take{};

}  // namespace gentask::streams
