#pragma once
/// @file
/// `ambient::and_then(f, fn)`: futures 0.1's `and_then` in the ambient design. Polls `f` with no
/// task; when it is ready with `v`, makes the next future `fn(v)` and polls that; an error of
/// `f` ends the chain with that error. Neither future receives anything: a leaf inside finds its
/// task through `current_task()`. The two states share one slot (a `std::variant`), as futures
/// 0.1's `Chain` did.

#include <gentask/ambient/future.hpp>
#include <gentask/core/poll_result.hpp>

#include <functional>
#include <type_traits>
#include <utility>
#include <variant>

namespace gentask::ambient {

template <ambient_future F, class Fn>
  requires ambient_future<std::invoke_result_t<Fn&, typename F::item_type>> &&
           std::is_same_v<typename std::invoke_result_t<Fn&, typename F::item_type>::error_type,
                          typename F::error_type>
class and_then_future {
  using next_type = std::invoke_result_t<Fn&, typename F::item_type>;

 public:
  using future_concept = ambient_future_tag;
  using item_type = typename next_type::item_type;
  using error_type = typename F::error_type;

  and_then_future(F first, Fn fn)
      : state_(std::in_place_index<0>, std::move(first)), fn_(std::move(fn)) {}

  poll_result<item_type, error_type> poll() {
    if (state_.index() == 0) {
      auto r = std::get<0>(state_).poll();
      if (r.is_pending()) return pending;
      if constexpr (!std::is_same_v<error_type, never>) {
        if (r.is_failed()) return failed_value<error_type>{std::move(r).get_error()};
      }
      next_type next = std::invoke(fn_, std::move(r).get_value());
      state_.template emplace<1>(std::move(next));
    }
    return std::get<1>(state_).poll();
  }

 private:
  std::variant<F, next_type> state_;
  Fn fn_;
};

/// `f` then `fn(value)`: see the file comment.
template <ambient_future F, class Fn>
and_then_future<F, Fn> and_then(F f, Fn fn) {
  return and_then_future<F, Fn>(std::move(f), std::move(fn));
}

}  // namespace gentask::ambient
