#pragma once
/// @file
/// `poll_result<T, E>`: what one call to `poll` says: ready with a value, pending, or failed
/// with an error. The futures 0.1 `Poll<T, E>` (`Result<Async<T>, E>`) as one type.
///
/// A result is built from `pending`, `ready_value{v}` or `failed_value{e}` (the shape of
/// `std::unexpected`), so a `poll` body reads `return ready_value{x};`. Accessors are checked:
/// `get_value()` on a result that is not ready throws `bad_poll_result_access`. The type is a
/// literal type when `T` and `E` are, and trivially copyable when they are.

#include <gentask/core/unit.hpp>

#include <concepts>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <variant>

namespace gentask {

/// The three states of a poll.
enum class poll_status : unsigned char { pending, ready, failed };

/// The tag of a pending result. Use the constant `gentask::pending`.
struct pending_t {
  explicit constexpr pending_t() = default;
  friend constexpr bool operator==(pending_t, pending_t) noexcept = default;
};
inline constexpr pending_t pending{};

/// A value on its way into a ready `poll_result`.
template <class T>
struct ready_value {
  T value;
};
ready_value()->ready_value<unit>;
template <class T>
ready_value(T) -> ready_value<T>;

/// An error on its way into a failed `poll_result`.
template <class E>
struct failed_value {
  E error;
};
template <class E>
failed_value(E) -> failed_value<E>;

/// Thrown by the checked accessors of `poll_result` when the state does not match.
class bad_poll_result_access : public std::logic_error {
 public:
  explicit bad_poll_result_access(const char* what) : std::logic_error(what) {}
};

namespace detail {
[[noreturn]] [[gnu::cold]] [[gnu::noinline]] inline void throw_bad_poll_result_access(
    const char* what) {
  throw bad_poll_result_access(what);
}
}  // namespace detail

/// Ready(T) | pending | failed(E). Default-constructed, it is pending.
template <class T, class E>
class [[nodiscard]] poll_result {
  template <class, class>
  friend class poll_result;

  static_assert(std::is_object_v<T> && !std::is_array_v<T> && !std::is_const_v<T>,
                "poll_result: the item must be a non-const object type (use unit for void)");
  static_assert(std::is_object_v<E> && !std::is_array_v<E> && !std::is_const_v<E>,
                "poll_result: the error must be a non-const object type");

 public:
  using value_type = T;
  using error_type = E;

  constexpr poll_result() noexcept : state_(std::in_place_index<0>) {}
  constexpr poll_result(pending_t) noexcept : state_(std::in_place_index<0>) {}

  template <class U>
  requires std::constructible_from<T, U&&>
  constexpr poll_result(ready_value<U>&& r) : state_(std::in_place_index<1>, std::move(r.value)) {}

  template <class G>
  requires std::constructible_from<E, G&&>
  constexpr poll_result(failed_value<G>&& f) : state_(std::in_place_index<2>, std::move(f.error)) {}

  /// Converts a result whose item or error is `never` (or otherwise convertible).
  template <class U, class G>
  requires(!std::is_same_v<poll_result<U, G>, poll_result> &&
           (std::is_same_v<U, never> || std::constructible_from<T, U&&>)&&(
               std::is_same_v<G, never> ||
               std::constructible_from<E, G&&>)) constexpr poll_result(poll_result<U, G>&& other)
      : state_(convert(std::move(other))) {}

  [[nodiscard]] constexpr poll_status get_status() const noexcept {
    return static_cast<poll_status>(state_.index());
  }
  // A `never` item or error cannot be held, so those states are known absent at compile time.
  [[nodiscard]] constexpr bool is_pending() const noexcept { return state_.index() == 0; }
  [[nodiscard]] constexpr bool is_ready() const noexcept {
    if constexpr (std::is_same_v<T, never>) return false;
    if constexpr (std::is_same_v<E, never>) return state_.index() != 0;
    return state_.index() == 1;
  }
  [[nodiscard]] constexpr bool is_failed() const noexcept {
    if constexpr (std::is_same_v<E, never>) return false;
    if constexpr (std::is_same_v<T, never>) return state_.index() != 0;
    return state_.index() == 2;
  }
  /// Ready or failed: the future has completed.
  [[nodiscard]] constexpr bool is_complete() const noexcept { return state_.index() != 0; }

  /// The value. Throws `bad_poll_result_access` unless ready.
  constexpr T& get_value() & { return *check<1>("poll_result::get_value: not ready"); }
  constexpr const T& get_value() const& { return *check<1>("poll_result::get_value: not ready"); }
  constexpr T&& get_value() && { return std::move(*check<1>("poll_result::get_value: not ready")); }

  /// The error. Throws `bad_poll_result_access` unless failed.
  constexpr E& get_error() & { return *check<2>("poll_result::get_error: not failed"); }
  constexpr const E& get_error() const& { return *check<2>("poll_result::get_error: not failed"); }
  constexpr E&& get_error() && {
    return std::move(*check<2>("poll_result::get_error: not failed"));
  }

  friend constexpr bool operator==(const poll_result&, const poll_result&) requires
      std::equality_comparable<T> && std::equality_comparable<E>
  = default;

 private:
  template <std::size_t I>
  constexpr auto* check(const char* what) {
    if (state_.index() != I) detail::throw_bad_poll_result_access(what);
    return &std::get<I>(state_);
  }
  template <std::size_t I>
  constexpr const auto* check(const char* what) const {
    if (state_.index() != I) detail::throw_bad_poll_result_access(what);
    return &std::get<I>(state_);
  }

  using state_type = std::variant<pending_t, T, E>;

  template <class U, class G>
  static constexpr state_type convert(poll_result<U, G>&& other) {
    if (other.is_ready()) {
      return state_type(std::in_place_index<1>, unify_cast<T>(std::move(other).get_value()));
    }
    if (other.is_failed()) {
      return state_type(std::in_place_index<2>, unify_cast<E>(std::move(other).get_error()));
    }
    return state_type(std::in_place_index<0>);
  }

  state_type state_;
};

}  // namespace gentask
