#pragma once
/// @file
/// `failed<T>(e)`: a future that fails with `e` at its first poll. Its item type is `T`
/// (default `never`, which unifies with any item). Polled again, it throws
/// `polled_after_completion`.

#include <gentask/core/errors.hpp>
#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/task.hpp>
#include <gentask/core/unit.hpp>

#include <optional>
#include <type_traits>
#include <utility>

namespace gentask {

template <class T, class E>
class failed_future {
 public:
  using future_concept = future_tag;
  using item_type = T;
  using error_type = E;

  constexpr explicit failed_future(E error) : error_(std::move(error)) {}

  template <task Task>
  constexpr poll_result<T, E> poll(Task& /*task*/) {
    if (!error_) detail::throw_polled_after_completion("failed: polled after completion");
    poll_result<T, E> result(failed_value<E>{std::move(*error_)});
    error_.reset();
    return result;
  }

 private:
  std::optional<E> error_;
};

template <class T = never, class E>
constexpr failed_future<T, std::decay_t<E>> failed(E&& error) {
  return failed_future<T, std::decay_t<E>>(std::forward<E>(error));
}

}  // namespace gentask
