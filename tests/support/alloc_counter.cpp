#include "alloc_counter.hpp"

#include <cstddef>

namespace {
// Test-kit state, one per thread: the library itself has no thread-local storage (tests/lint).
thread_local std::size_t allocations = 0;
thread_local int counting_depth = 0;

void gentask_count_allocation() noexcept {
  if (counting_depth > 0) ++allocations;
}
}  // namespace

#include "../../tools/replace_operator_new.inc"

namespace gentask::test {

allocation_counter::allocation_counter() noexcept : start_(allocations) { ++counting_depth; }
allocation_counter::~allocation_counter() { --counting_depth; }
std::size_t allocation_counter::get_count() const noexcept { return allocations - start_; }

}  // namespace gentask::test
