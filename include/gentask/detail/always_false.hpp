#pragma once
/// @file
/// `always_false<Ts...>`: a dependent `false` for static_asserts in diagnostic tags.

namespace gentask::detail {
template <class...>
inline constexpr bool always_false = false;
}  // namespace gentask::detail
