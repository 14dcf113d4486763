#pragma once
/// @file
/// `join_error<E>`: why a joined task produced no value: its own error `E`, `canceled` (its join
/// handle was dropped, or its reactor shut down, before it completed), or the exception that
/// escaped its `poll` (the reactor caught it and went on).

#include <gentask/core/errors.hpp>
#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/unit.hpp>

#include <exception>
#include <utility>
#include <variant>

namespace gentask {

template <class E>
class join_error {
 public:
  using error_type = E;

  /// The task failed with its own error.
  static join_error from_error(E error) {
    return join_error(std::in_place_index<0>, std::move(error));
  }
  /// The task was canceled before it completed.
  static join_error from_cancel() noexcept {
    return join_error(std::in_place_index<1>, canceled{});
  }
  /// An exception escaped the task's poll.
  static join_error from_exception(std::exception_ptr e) noexcept {
    return join_error(std::in_place_index<2>, std::move(e));
  }
  /// A `join_error<never>` (or of another convertible error) widened to this error type.
  template <class G>
  requires(!std::is_same_v<G, E>) &&
      (std::is_same_v<G, never> || std::constructible_from<E, G&&>)join_error(join_error<G>&& other)
      : state_(std::in_place_index<1>, canceled{}) {  // NOLINT
    if (other.is_error()) {
      state_.template emplace<0>(unify_cast<E>(std::move(other).get_error()));
    } else if (other.is_exception()) {
      state_.template emplace<2>(other.get_exception());
    }
  }

  [[nodiscard]] bool is_error() const noexcept { return state_.index() == 0; }
  [[nodiscard]] bool is_canceled() const noexcept { return state_.index() == 1; }
  [[nodiscard]] bool is_exception() const noexcept { return state_.index() == 2; }

  /// The task's own error; precondition: `is_error()`.
  E& get_error() & { return std::get<0>(state_); }
  const E& get_error() const& { return std::get<0>(state_); }
  E&& get_error() && { return std::get<0>(std::move(state_)); }
  /// The escaped exception; precondition: `is_exception()`.
  [[nodiscard]] std::exception_ptr get_exception() const { return std::get<2>(state_); }
  /// Rethrows the escaped exception, if that is what this is.
  void rethrow_if_exception() const {
    if (is_exception()) std::rethrow_exception(std::get<2>(state_));
  }

 private:
  template <std::size_t I, class... Args>
  explicit join_error(std::in_place_index_t<I> i, Args&&... args)
      : state_(i, std::forward<Args>(args)...) {}

  template <class>
  friend class join_error;

  std::variant<E, canceled, std::exception_ptr> state_;
};

/// The result a spawned task of root future `F` leaves for its join handle.
template <class F>
using join_result_t = poll_result<item_type_t<F>, join_error<error_type_t<F>>>;

}  // namespace gentask
