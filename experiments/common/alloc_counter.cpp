#include "alloc_counter.hpp"

namespace gentask::bench {
std::atomic<bool> counting_allocations{false};
std::atomic<std::size_t> allocation_count{0};
}  // namespace gentask::bench

namespace {
void gentask_count_allocation() noexcept {
  if (gentask::bench::counting_allocations.load(std::memory_order_relaxed)) {
    gentask::bench::allocation_count.fetch_add(1, std::memory_order_relaxed);
  }
}
}  // namespace

// The one replacement of operator new shared with the test kit (tools/).
#include "../../tools/replace_operator_new.inc"
