#pragma once
/// @file
/// `construct_from(fn)`: an object that converts to `fn()`'s result, so that
/// `variant.emplace<I>(construct_from(fn))` builds the new alternative from `fn()` in place,
/// after the old alternative has been destroyed.

#include <cstddef>
#include <functional>
#include <type_traits>
#include <utility>
#include <variant>

namespace gentask::detail {

template <class Fn>
struct construct_from {
  Fn fn;
  // NOLINTNEXTLINE(google-explicit-constructor): the conversion is the point.
  constexpr operator std::invoke_result_t<Fn&&>() && { return std::invoke(std::move(fn)); }
};
template <class Fn>
construct_from(Fn) -> construct_from<Fn>;

/// The alternative of a state variant that means "completed"; polling it again is misuse.
struct completed {};

/// Replaces the current alternative of `state` by alternative `I` built from `fn()`. If `fn`
/// throws, `state` is left `completed` (its last alternative), whatever path `emplace` took, and
/// the exception propagates.
template <std::size_t I, class Variant, class Fn>
void replace_with(Variant& state, Fn&& fn) {
  constexpr std::size_t last = std::variant_size_v<Variant> - 1;
  try {
    state.template emplace<I>(construct_from<Fn&&>{std::forward<Fn>(fn)});
  } catch (...) {
    state.template emplace<last>();
    throw;
  }
}

}  // namespace gentask::detail
