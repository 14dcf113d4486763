#pragma once
/// @file
/// `type_index<T>()`: a small dense integer per type, assigned on first use (a process-wide
/// counter), so an open type-indexed map can find a type's slot with one array lookup instead of
/// hashing `typeid`. The first call for a type takes a one-time guarded initialisation; later
/// calls cost the guard check and a load.

#include <atomic>
#include <cstddef>

namespace gentask::detail {

inline std::size_t next_type_index() noexcept {
  static std::atomic<std::size_t> counter{0};
  return counter.fetch_add(1, std::memory_order_relaxed);
}

template <class T>
std::size_t type_index() noexcept {
  static const std::size_t index = next_type_index();
  return index;
}

}  // namespace gentask::detail
