// Variant `floor` (workload `malloc_free`): the physical floor the storage variants are read
// against: one `operator new` and one `operator delete` of 64 bytes per unit, through the same
// replaced global `operator new` (malloc plus the allocation counter's check) that the library
// uses. Alternating the two always hits glibc's tcache: the cheapest a heap block can be.
#include "../common/harness.hpp"

#include <benchmark/benchmark.h>

#include <cstddef>
#include <new>

namespace gentask::bench::exp02 {
namespace {

constexpr int pairs_per_iteration = 1000;
constexpr std::size_t block_bytes = 64;

const bool registered = [] {
  register_case("malloc_free", "floor", "bytes=64", pairs_per_iteration, [] {
    for (int i = 0; i < pairs_per_iteration; ++i) {
      void* p = ::operator new(block_bytes);
      benchmark::DoNotOptimize(p);  // the pointer escapes: the pair cannot be elided
      ::operator delete(p);
    }
  });
  return true;
}();

}  // namespace
}  // namespace gentask::bench::exp02
