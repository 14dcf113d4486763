#pragma once
/// @file
/// `visit_index<N>(index, fn)`: calls `fn.template operator()<I>()` for the runtime `index`
/// (`I == index`, `index < N`), through dense `switch` statements of 64 cases, which compilers
/// lower to jump tables: a constant cost per dispatch whatever `N`, where a chain of `if`s (or a
/// fold over `||`) costs one compare per preceding case. `index >= N` is undefined.

#include <cstddef>

namespace gentask::detail {

// NOLINTBEGIN(cppcoreguidelines-macro-usage): 64 identical cases.
#define GENTASK_VISIT_CASE(k)                      \
  case k:                                          \
    if constexpr (Base + (k) < N) {                \
      return fn.template operator()<Base + (k)>(); \
    } else {                                       \
      __builtin_unreachable();                     \
    }
#define GENTASK_VISIT_CASE4(k) \
  GENTASK_VISIT_CASE(k)        \
  GENTASK_VISIT_CASE((k) + 1)  \
  GENTASK_VISIT_CASE((k) + 2)  \
  GENTASK_VISIT_CASE((k) + 3)
#define GENTASK_VISIT_CASE16(k) \
  GENTASK_VISIT_CASE4(k)        \
  GENTASK_VISIT_CASE4((k) + 4)  \
  GENTASK_VISIT_CASE4((k) + 8)  \
  GENTASK_VISIT_CASE4((k) + 12)

/// One level: a switch of 64 cases (a single jump table for up to 64 alternatives), then the
/// next 64.
template <std::size_t N, std::size_t Base = 0, class Fn>
constexpr decltype(auto) visit_index(std::size_t index, Fn&& fn) {
  switch (index - Base) {
    GENTASK_VISIT_CASE16(0)
    GENTASK_VISIT_CASE16(16)
    GENTASK_VISIT_CASE16(32)
    GENTASK_VISIT_CASE16(48)
    default:
      if constexpr (Base + 64 < N) {
        return visit_index<N, Base + 64>(index, fn);
      } else {
        __builtin_unreachable();
      }
  }
}

#undef GENTASK_VISIT_CASE16
#undef GENTASK_VISIT_CASE4
#undef GENTASK_VISIT_CASE
// NOLINTEND(cppcoreguidelines-macro-usage)

}  // namespace gentask::detail
