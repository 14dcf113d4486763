#pragma once
/// @file
/// `unit` and `never`: the item of a future that produces nothing, and the type of an
/// outcome that cannot happen (the error of `ready`, the item of `failed`).
///
/// Combinators that meet two item or error types unify them with `unify_t`: equal types
/// unify to themselves, and `never` unifies with anything (a value of type `never` does
/// not exist, so converting one is unreachable code). Any other pair has no unified type,
/// and the combinator's constraint fails.

#include <functional>
#include <type_traits>
#include <utility>

namespace gentask {

/// The value of a `void`-like item: there is exactly one, and all are equal.
struct unit {
  friend constexpr bool operator==(unit, unit) noexcept = default;
};

/// The uninhabited type: no value of it can be made. `poll_result<T, never>` cannot fail.
struct never {
  never() = delete;
};

namespace detail {

template <class A, class B>
struct unify {};
template <class A>
struct unify<A, A> {
  using type = A;
};
template <class A>
struct unify<A, never> {
  using type = A;
};
template <class B>
struct unify<never, B> {
  using type = B;
};
template <>
struct unify<never, never> {
  using type = never;
};

template <class... Ts>
struct unify_all {};
template <class T>
struct unify_all<T> {
  using type = T;
};
template <class A, class B, class... Rest>
requires requires { typename unify<A, B>::type; }
struct unify_all<A, B, Rest...> : unify_all<typename unify<A, B>::type, Rest...> {};

}  // namespace detail

/// The common item or error type of several futures, if there is one (see the file comment).
template <class... Ts>
using unify_t = typename detail::unify_all<Ts...>::type;

/// True when `unify_t<Ts...>` exists.
template <class... Ts>
concept unifiable = requires {
  typename unify_t<Ts...>;
};

/// Converts a value to the unified type `To`; a `never` source is unreachable.
template <class To, class From>
constexpr To unify_cast(From&& from) {
  if constexpr (std::is_same_v<std::remove_cvref_t<From>, never>) {
    __builtin_unreachable();
  } else {
    return To(std::forward<From>(from));
  }
}

/// `void` becomes `unit`; every other type is itself. Used for closure results.
template <class T>
using void_to_unit_t = std::conditional_t<std::is_void_v<T>, unit, T>;

namespace detail {

/// Calls `fn(args...)`; a `void` result becomes `unit{}`.
template <class Fn, class... Args>
constexpr auto invoke_to_unit(Fn&& fn, Args&&... args)
    -> void_to_unit_t<std::invoke_result_t<Fn, Args...>> {
  if constexpr (std::is_void_v<std::invoke_result_t<Fn, Args...>>) {
    std::invoke(std::forward<Fn>(fn), std::forward<Args>(args)...);
    return unit{};
  } else {
    return std::invoke(std::forward<Fn>(fn), std::forward<Args>(args)...);
  }
}

}  // namespace detail
}  // namespace gentask
