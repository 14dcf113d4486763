#pragma once
/// @file
/// A counting `operator new` (linked into every test binary through the test kit's object
/// library). `allocation_counter` counts the heap allocations made on the current thread while
/// it is alive, so "composing and polling a chain allocates nothing" is
/// `CHECK(counter.get_count() == 0)`.

#include <cstddef>

namespace gentask::test {

class allocation_counter {
 public:
  allocation_counter() noexcept;
  allocation_counter(const allocation_counter&) = delete;
  allocation_counter& operator=(const allocation_counter&) = delete;
  ~allocation_counter();

  /// Allocations on this thread since construction.
  [[nodiscard]] std::size_t get_count() const noexcept;

 private:
  std::size_t start_;
};

}  // namespace gentask::test
