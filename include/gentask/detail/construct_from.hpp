#pragma once
/// @file
/// `construct_from{fn}`: an object that converts to `fn()`'s result, so that
/// `state.emplace<I>(construct_from{fn})` builds the new alternative from `fn()` in place, after
/// the old alternative has been destroyed (see state_union.hpp).

#include <functional>
#include <type_traits>
#include <utility>

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

}  // namespace gentask::detail
