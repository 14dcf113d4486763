#pragma once
/// @file
/// `ready(v)`: a future that is ready with `v` at its first poll (`ready()` gives `unit`).
/// Its error type is `never`. Polled again, it throws `polled_after_completion`.

#include <gentask/core/errors.hpp>
#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/task.hpp>
#include <gentask/core/unit.hpp>

#include <optional>
#include <type_traits>
#include <utility>

namespace gentask {

template <class T>
class ready_future {
 public:
  using future_concept = future_tag;
  using item_type = T;
  using error_type = never;

  constexpr explicit ready_future(T value) : value_(std::move(value)) {}

  template <task Task>
  constexpr poll_result<T, never> poll(Task& /*task*/) {
    if (!value_) detail::throw_polled_after_completion("ready: polled after completion");
    poll_result<T, never> result(ready_value<T>{std::move(*value_)});
    value_.reset();
    return result;
  }

 private:
  std::optional<T> value_;
};

struct ready_fn {
  template <class T>
  constexpr ready_future<std::decay_t<T>> operator()(T&& value) const {
    return ready_future<std::decay_t<T>>(std::forward<T>(value));
  }
  constexpr ready_future<unit> operator()() const { return ready_future<unit>(unit{}); }
};
inline constexpr ready_fn ready{};

}  // namespace gentask
