#pragma once
/// @file
/// `ambient::join(fs...)`: futures 0.1's `join` in the ambient design. Polls every child that is
/// not yet complete, passing nothing: each child that returns `pending` has found the current
/// task itself and will wake it, so one wake of any child re-polls every pending child (the
/// per-leaf bookkeeping of the explicit design's `join` has no per-child handle to tell them
/// apart either). Ready with the tuple of the children's values once all are; the first error
/// ends it with that error (the other children are dropped with the join).

#include <gentask/ambient/future.hpp>
#include <gentask/core/poll_result.hpp>

#include <cstddef>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>

namespace gentask::ambient {

template <ambient_future... Fs>
  requires(sizeof...(Fs) > 0) &&
          (std::is_same_v<typename Fs::error_type,
                          typename std::tuple_element_t<0, std::tuple<Fs...>>::error_type> &&
           ...)
class join_future {
 public:
  using future_concept = ambient_future_tag;
  using item_type = std::tuple<typename Fs::item_type...>;
  using error_type = typename std::tuple_element_t<0, std::tuple<Fs...>>::error_type;

  explicit join_future(Fs... fs) : children_(std::move(fs)...) {}

  poll_result<item_type, error_type> poll() {
    return poll_children(std::index_sequence_for<Fs...>{});
  }

 private:
  template <std::size_t... Is>
  poll_result<item_type, error_type> poll_children(std::index_sequence<Is...> /*all*/) {
    std::optional<error_type> error;
    (poll_child<Is>(error), ...);
    if constexpr (!std::is_same_v<error_type, never>) {
      if (error) return failed_value<error_type>{std::move(*error)};
    }
    if ((std::get<Is>(values_).has_value() && ...)) {
      return ready_value{item_type(std::move(*std::get<Is>(values_))...)};
    }
    return pending;
  }

  template <std::size_t I>
  void poll_child(std::optional<error_type>& error) {
    if (std::get<I>(values_).has_value() || error) return;
    auto r = std::get<I>(children_).poll();
    if (r.is_ready()) {
      std::get<I>(values_).emplace(std::move(r).get_value());
    } else if constexpr (!std::is_same_v<error_type, never>) {
      if (r.is_failed()) error.emplace(std::move(r).get_error());
    }
  }

  std::tuple<Fs...> children_;
  std::tuple<std::optional<typename Fs::item_type>...> values_;
};

/// All of `fs`: see the file comment.
template <ambient_future... Fs>
join_future<Fs...> join(Fs... fs) {
  return join_future<Fs...>(std::move(fs)...);
}

}  // namespace gentask::ambient
