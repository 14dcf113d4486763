#include "alloc_counter.hpp"

#include <cstdlib>
#include <new>

namespace {
// Test-kit state, one per thread: the library itself has no thread_local (see tests/lint).
thread_local std::size_t allocations = 0;
thread_local int counting_depth = 0;

void* counted_allocate(std::size_t size) {
  if (counting_depth > 0) ++allocations;
  if (size == 0) size = 1;
  void* p = std::malloc(size);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}
void* counted_allocate_aligned(std::size_t size, std::align_val_t align) {
  if (counting_depth > 0) ++allocations;
  const auto a = static_cast<std::size_t>(align);
  std::size_t rounded = (size + a - 1) / a * a;
  if (rounded == 0) rounded = a;
  void* p = std::aligned_alloc(a, rounded);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}
}  // namespace

void* operator new(std::size_t size) { return counted_allocate(size); }
void* operator new[](std::size_t size) { return counted_allocate(size); }
void* operator new(std::size_t size, std::align_val_t align) {
  return counted_allocate_aligned(size, align);
}
void* operator new[](std::size_t size, std::align_val_t align) {
  return counted_allocate_aligned(size, align);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

namespace gentask::test {

allocation_counter::allocation_counter() noexcept : start_(allocations) { ++counting_depth; }
allocation_counter::~allocation_counter() { --counting_depth; }
std::size_t allocation_counter::get_count() const noexcept { return allocations - start_; }

}  // namespace gentask::test
