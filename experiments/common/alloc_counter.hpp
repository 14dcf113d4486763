#pragma once
/// @file
/// Allocation counting for experiments: every experiment binary replaces the global
/// `operator new`; counting is off unless an `allocation_probe` is alive, so timed passes pay
/// one relaxed load per allocation and nothing else.

#include <atomic>
#include <cstddef>

namespace gentask::bench {

extern std::atomic<bool> counting_allocations;
extern std::atomic<std::size_t> allocation_count;

/// Counts the heap allocations made (on any thread) while it is alive.
class allocation_probe {
 public:
  allocation_probe() noexcept : start_(allocation_count.load(std::memory_order_relaxed)) {
    counting_allocations.store(true, std::memory_order_relaxed);
  }
  allocation_probe(const allocation_probe&) = delete;
  allocation_probe& operator=(const allocation_probe&) = delete;
  ~allocation_probe() { counting_allocations.store(false, std::memory_order_relaxed); }
  [[nodiscard]] std::size_t get_count() const noexcept {
    return allocation_count.load(std::memory_order_relaxed) - start_;
  }

 private:
  std::size_t start_;
};

}  // namespace gentask::bench
