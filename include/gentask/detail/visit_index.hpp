#pragma once
/// @file
/// `visit_index<N>(index, fn)`: calls `fn.template operator()<I>()` for the runtime `index`
/// (`I == index`, `index < N`), through dense `switch` statements of 64 cases, which compilers
/// lower to jump tables: a constant cost per dispatch whatever `N`, where a chain of `if`s (or a
/// fold over `||`) costs one compare per preceding case. `index >= N` is undefined.
/// `visit_index_inline<N>(index, fn)` is the same switch, always inlined into its caller.

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

// One level: a switch of 64 cases (a single jump table for up to 64 alternatives), then the
// next 64 through `next`.
#define GENTASK_VISIT_SWITCH(next)            \
  switch (index - Base) {                     \
    GENTASK_VISIT_CASE16(0)                   \
    GENTASK_VISIT_CASE16(16)                  \
    GENTASK_VISIT_CASE16(32)                  \
    GENTASK_VISIT_CASE16(48)                  \
    default:                                  \
      if constexpr (Base + 64 < N) {          \
        return next<N, Base + 64>(index, fn); \
      } else {                                \
        __builtin_unreachable();              \
      }                                       \
  }

template <std::size_t N, std::size_t Base = 0, class Fn>
constexpr decltype(auto) visit_index(std::size_t index, Fn&& fn) {
  GENTASK_VISIT_SWITCH(visit_index)
}

/// `visit_index`, always inlined into its caller, whatever the compiler's size limits: for the
/// dispatch of a state machine's poll, where a call costs more than the dispatch and takes the
/// cases' results through memory. Justified by a profile (experiment 01, callgrind, GCC 12
/// -O3): at 65 states GCC left the chain's dispatches (chain.hpp) out of line, one call per
/// future: ~29 instructions per future more for a chain of one future type (and_then_chain
/// depth 64: 98.9 against 70.2 inlined) and ~33 for a chain of alternating types (155 against
/// 122).
template <std::size_t N, std::size_t Base = 0, class Fn>
[[gnu::always_inline]] constexpr decltype(auto) visit_index_inline(std::size_t index, Fn&& fn) {
  GENTASK_VISIT_SWITCH(visit_index_inline)
}

#undef GENTASK_VISIT_SWITCH
#undef GENTASK_VISIT_CASE16
#undef GENTASK_VISIT_CASE4
#undef GENTASK_VISIT_CASE
// NOLINTEND(cppcoreguidelines-macro-usage)

}  // namespace gentask::detail
