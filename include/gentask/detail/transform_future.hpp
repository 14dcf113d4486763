#pragma once
/// @file
/// The shared body of `map` and `map_err`: apply a closure to one side of a future's result.

#include <gentask/core/errors.hpp>
#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/pollable.hpp>
#include <gentask/core/task.hpp>
#include <gentask/core/unit.hpp>

#include <optional>
#include <type_traits>
#include <utility>

namespace gentask::detail {

enum class result_side : unsigned char { item, error };

template <class T, class Fn, bool Applies>
struct transformed {
  using type = T;
};
template <class T, class Fn>
struct transformed<T, Fn, true> {
  using type = void_to_unit_t<std::decay_t<std::invoke_result_t<Fn, T&&>>>;
};

template <future F, class Fn, result_side Side>
class transform_future {
  struct running {
    running(F f, Fn fn) : future(std::move(f)), fn(std::move(fn)) {}
    F future;
    Fn fn;
  };

 public:
  using future_concept = future_tag;
  using item_type = typename transformed<item_type_t<F>, Fn, Side == result_side::item>::type;
  using error_type = typename transformed<error_type_t<F>, Fn, Side == result_side::error>::type;

  transform_future(F f, Fn fn) : state_(std::in_place, std::move(f), std::move(fn)) {}

  template <task Task>
  requires pollable<F, Task> poll_result<item_type, error_type> poll(Task& task) {
    if (!state_)
      detail::throw_polled_after_completion(Side == result_side::item
                                                ? "map: polled after completion"
                                                : "map_err: polled after completion");
    auto result = state_->future.poll(task);
    if (result.is_pending()) return pending;
    Fn fn = std::move(state_->fn);
    state_.reset();  // the child is pruned before the closure runs
    if constexpr (Side == result_side::item) {
      if (result.is_failed()) return failed_value<error_type>{std::move(result).get_error()};
      return ready_value<item_type>{invoke_to_unit(std::move(fn), std::move(result).get_value())};
    } else {
      if (result.is_ready()) return ready_value<item_type>{std::move(result).get_value()};
      return failed_value<error_type>{invoke_to_unit(std::move(fn), std::move(result).get_error())};
    }
  }

 private:
  std::optional<running> state_;
};

}  // namespace gentask::detail
