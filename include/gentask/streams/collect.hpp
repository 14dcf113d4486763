#pragma once
/// @file
/// `streams::collect(s)` / `s | streams::collect()`: a future of a `std::vector` of the items of
/// `s`, in order, ready at the end of `s`. An error of `s` fails it (the items so far are
/// dropped). `s` is destroyed at its end or error. Polling allocates only as the vector grows.
/// Pollable on exactly the task types `s` is pollable on. Polled again after completion, it
/// throws `polled_after_completion`.

#include <gentask/core/errors.hpp>
#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/stream.hpp>
#include <gentask/core/task.hpp>
#include <gentask/detail/pipeable.hpp>

#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

namespace gentask::streams {

template <stream S>
class collect_future {
  struct running {
    explicit running(S s) : stream(std::move(s)) {}
    S stream;
    std::vector<item_type_t<S>> items;
  };

 public:
  using future_concept = future_tag;
  using item_type = std::vector<item_type_t<S>>;
  using error_type = error_type_t<S>;

  explicit collect_future(S s) : state_(std::in_place, std::move(s)) {}

  template <task Task>
  requires pollable_stream<S, Task> poll_result<item_type, error_type> poll(Task& task) {
    if (!state_) detail::throw_polled_after_completion("streams::collect: polled after completion");
    for (;;) {
      auto next = state_->stream.poll_next(task);
      if (next.is_pending()) return pending;
      if (next.is_failed()) {
        state_.reset();
        return failed_value<error_type>{std::move(next).get_error()};
      }
      auto& item = next.get_value();
      if (!item) {
        item_type items = std::move(state_->items);
        state_.reset();
        return ready_value<item_type>{std::move(items)};
      }
      state_->items.push_back(std::move(*item));
    }
  }

 private:
  std::optional<running> state_;
};

struct collect_fn {
  template <stream S>
  auto operator()(S&& s) const {
    return collect_future<std::remove_cvref_t<S>>(std::forward<S>(s));
  }
  constexpr auto operator()() const { return detail::make_pipe_closure<collect_fn>(); }
};
inline constexpr collect_fn collect{};

}  // namespace gentask::streams
