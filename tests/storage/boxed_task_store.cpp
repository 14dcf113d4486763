#include <gentask/storage/boxed_task_store.hpp>

#include <gentask/futures/ready.hpp>
#include <gentask/reactors/local/reactor.hpp>

#include "laws/storage_laws.hpp"
#include "support/alloc_counter.hpp"
#include "support/counting_task.hpp"
#include "support/leaf_futures.hpp"
#include "support/storage_policies.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>
#include <vector>

using namespace gentask;
using test::counting_task;

namespace {

using boxed_store = boxed_storage::store<counting_task>;
using recycling_store = boxed_recycling_storage::store<counting_task>;

/// A root type whose cell is `cell_layout<padded<N>>::size` bytes.
template <std::size_t N>
struct padded {
  using future_concept = future_tag;
  using item_type = int;
  using error_type = never;
  std::array<unsigned char, N> bytes{};
  template <task Task>
  poll_result<int, never> poll(Task& /*task*/) {
    return ready_value<int>{static_cast<int>(N)};
  }
};

using small_future = padded<8>;
using largest_cached_future = padded<992>;      // a 1016-byte block: 254 four-byte chunks
using smallest_uncached_future = padded<1000>;  // a 1024-byte block: 256 chunks, not cached

/// Spawns `count` tasks of `F` and retires them all, so the slot table has `count` free slots.
template <class F, class Store>
void warm_slot_table(Store& store, std::size_t count) {
  std::vector<task_id> ids;
  ids.reserve(count);
  for (std::size_t i = 0; i < count; ++i) ids.push_back(store.spawn(F{}));
  for (const task_id id : ids) laws::retire(store, id);
}

}  // namespace

TEMPLATE_LIST_TEST_CASE("both boxed stores obey the storage laws", "[storage][boxed][laws]",
                        test::boxed_storage_policies) {
  laws::check_storage_laws<typename TestType::template store<counting_task>>();
}

TEST_CASE("the boxed policies name their stores and allocators", "[storage][boxed]") {
  STATIC_REQUIRE(
      std::is_same_v<boxed_store, boxed_task_store<counting_task, detail::plain_block_allocator>>);
  STATIC_REQUIRE(
      std::is_same_v<recycling_store,
                     boxed_task_store<counting_task, detail::recycling_block_allocator>>);
  STATIC_REQUIRE(!std::is_same_v<boxed_store, recycling_store>);
  STATIC_REQUIRE(std::string_view(boxed_store::name) == "boxed");
  STATIC_REQUIRE(std::string_view(recycling_store::name) == "boxed_recycling");
  STATIC_REQUIRE(boxed_store::accepts<small_future>);
  STATIC_REQUIRE(recycling_store::accepts<test::never_ready<double, int>>);

  STATIC_REQUIRE(cell_layout<largest_cached_future>::size == 1016);
  STATIC_REQUIRE(cell_layout<smallest_uncached_future>::size == 1024);
  STATIC_REQUIRE(cell_layout<largest_cached_future>::align <= alignof(std::max_align_t));
}

TEST_CASE("boxed keeps every task in group 0 and all types in one slot table", "[storage][boxed]") {
  boxed_store store;
  const task_id a = store.spawn(small_future{});
  const task_id b = store.spawn(test::never_ready<double, int>{});
  const task_id c = store.spawn(largest_cached_future{});
  CHECK(store.get_group_count() == 1);
  CHECK(a.get_group() == 0);
  CHECK(b.get_group() == 0);
  CHECK(c.get_group() == 0);
  CHECK(a.get_slot() != b.get_slot());
  CHECK(b.get_slot() != c.get_slot());
  CHECK(a.get_slot() != c.get_slot());
  CHECK(store.find(task_id(1, a.get_slot(), a.get_generation())) == nullptr);
  CHECK(store.get_live_count() == 3);
}

TEST_CASE("boxed allocates exactly one block per spawn and frees it with the task",
          "[storage][boxed]") {
  boxed_store store;
  constexpr std::size_t count = 200;
  warm_slot_table<small_future>(store, count);

  std::vector<task_id> ids;
  ids.reserve(count);
  {
    test::allocation_counter counter;
    for (std::size_t i = 0; i < count; ++i) ids.push_back(store.spawn(small_future{}));
    CHECK(counter.get_count() == count);  // many live at once
  }
  {
    test::allocation_counter counter;
    for (const task_id id : ids) laws::retire(store, id);
    CHECK(counter.get_count() == 0);
  }
  {
    test::allocation_counter counter;
    for (std::size_t i = 0; i < count; ++i) laws::retire(store, store.spawn(small_future{}));
    CHECK(counter.get_count() == count);  // one live at a time: still one each
  }
}

TEST_CASE("boxed grows its slot table geometrically, not by one slot per spawn",
          "[storage][boxed]") {
  // boxed_task_store::spawn reserves `slots_.size() + 1` whenever no slot is free, which grows
  // the table to exactly one more slot: one extra allocation (and a copy of the whole table)
  // per spawn while the table grows.
  boxed_store store;
  constexpr std::size_t count = 1000;
  std::vector<task_id> ids;
  ids.reserve(count);
  test::allocation_counter counter;
  for (std::size_t i = 0; i < count; ++i) ids.push_back(store.spawn(small_future{}));
  const std::size_t table_growths = counter.get_count() - count;
  CHECK(table_growths <= 2 * static_cast<std::size_t>(std::bit_width(count)));
}

TEST_CASE("boxed_recycling allocates about nothing per task with one task live at a time",
          "[storage][boxed]") {
  recycling_store store;
  laws::retire(store, store.spawn(small_future{}));  // the first block, and the slot table
  test::allocation_counter counter;
  for (int i = 0; i < 1000; ++i) laws::retire(store, store.spawn(small_future{}));
  CHECK(counter.get_count() == 0);
}

TEST_CASE("boxed_recycling allocates one block per spawn with many tasks live at once",
          "[storage][boxed]") {
  recycling_store store;
  constexpr std::size_t count = 200;
  warm_slot_table<small_future>(store, count);  // leaves one block cached

  std::vector<task_id> ids;
  ids.reserve(count);
  {
    test::allocation_counter counter;
    for (std::size_t i = 0; i < count; ++i) ids.push_back(store.spawn(small_future{}));
    CHECK(counter.get_count() == count - 1);  // the first spawn takes the cached block
  }
  {
    test::allocation_counter counter;
    for (const task_id id : ids) laws::retire(store, id);
    CHECK(counter.get_count() == 0);
  }
  {
    // One block cached, not a pool: a second batch again allocates all but one.
    test::allocation_counter counter;
    ids.clear();
    for (std::size_t i = 0; i < count; ++i) ids.push_back(store.spawn(small_future{}));
    CHECK(counter.get_count() == count - 1);
  }
  for (const task_id id : ids) laws::retire(store, id);
}

TEST_CASE("boxed_recycling caches blocks of up to 1020 bytes only", "[storage][boxed]") {
  SECTION("a 1016-byte task block is recycled") {
    recycling_store store;
    laws::retire(store, store.spawn(largest_cached_future{}));
    test::allocation_counter counter;
    for (int i = 0; i < 10; ++i) laws::retire(store, store.spawn(largest_cached_future{}));
    CHECK(counter.get_count() == 0);
  }
  SECTION("a 1024-byte task block is not") {
    recycling_store store;
    laws::retire(store, store.spawn(smallest_uncached_future{}));
    test::allocation_counter counter;
    for (int i = 0; i < 10; ++i) laws::retire(store, store.spawn(smallest_uncached_future{}));
    CHECK(counter.get_count() == 10);
  }
  SECTION("the allocator's own boundary: 1020 bytes cached, 1021 bytes not") {
    detail::recycling_block_allocator allocator;
    void* p = allocator.allocate(1020, 8);
    allocator.deallocate(p, 1020, 8);
    {
      test::allocation_counter counter;
      void* again = allocator.allocate(1020, 8);
      CHECK(counter.get_count() == 0);
      CHECK(again == p);
      allocator.deallocate(again, 1020, 8);
    }
    void* big = allocator.allocate(1021, 8);  // takes nothing: the cached block is too small
    allocator.deallocate(big, 1021, 8);       // not cached: too big
    {
      test::allocation_counter counter;
      void* big_again = allocator.allocate(1021, 8);
      CHECK(counter.get_count() == 1);
      allocator.deallocate(big_again, 1021, 8);
    }
  }
}

TEST_CASE("boxed_recycling reuses its cached block for any task that fits in it",
          "[storage][boxed]") {
  recycling_store store;
  laws::retire(store, store.spawn(small_future{}));  // caches a small block
  {
    test::allocation_counter counter;
    laws::retire(store, store.spawn(largest_cached_future{}));  // too small: replaced
    CHECK(counter.get_count() == 1);
  }
  {
    // The cached block keeps its full size through smaller uses (Asio keeps the chunk count in
    // the block's first byte while cached and past the end of the request while in use).
    test::allocation_counter counter;
    laws::retire(store, store.spawn(small_future{}));
    laws::retire(store, store.spawn(largest_cached_future{}));
    laws::retire(store, store.spawn(test::never_ready<double, int>{}));
    laws::retire(store, store.spawn(largest_cached_future{}));
    CHECK(counter.get_count() == 0);
  }
}

TEST_CASE("boxed_recycling caches one block and passes over-aligned blocks through",
          "[storage][boxed]") {
  SECTION("a second freed block goes back to the heap") {
    detail::recycling_block_allocator allocator;
    void* a = allocator.allocate(64, 8);
    void* b = allocator.allocate(64, 8);
    allocator.deallocate(a, 64, 8);
    allocator.deallocate(b, 64, 8);
    test::allocation_counter counter;
    void* c = allocator.allocate(64, 8);
    void* d = allocator.allocate(64, 8);
    CHECK(counter.get_count() == 1);
    CHECK(c == a);
    allocator.deallocate(c, 64, 8);
    allocator.deallocate(d, 64, 8);
  }
  SECTION("over-aligned tasks allocate every time") {
    STATIC_REQUIRE(alignof(laws::aligned_future) > alignof(std::max_align_t));
    recycling_store store;
    laws::retire(store, store.spawn(laws::aligned_future{}));
    test::allocation_counter counter;
    for (int i = 0; i < 10; ++i) {
      const task_id id = store.spawn(laws::aligned_future{i});
      CHECK(reinterpret_cast<std::uintptr_t>(store.cell(id)) % alignof(laws::aligned_future) == 0);
      laws::retire(store, id);
    }
    CHECK(counter.get_count() == 10);
  }
}

TEMPLATE_LIST_TEST_CASE("a detached task that completes on a boxed reactor is freed once",
                        "[storage][boxed][reactor]", test::boxed_storage_policies) {
  // The reactor's after_poll frees a completed detached task inside destroy_payload, then calls
  // maybe_free on the same header again. A boxed store has deallocated (or cached) the block by
  // then and left its state word alone, so the task is freed twice: the live count wraps and the
  // slot's free list loops onto itself (two live tasks share a slot).
  local::basic_reactor<TestType> reactor;
  reactor.spawn_detached(ready(1));
  reactor.run_until_idle();
  CHECK(reactor.get_task_count() == 0);

  auto a = reactor.spawn(ready(2));
  auto b = reactor.spawn(ready(3));
  CHECK(a.get_id().get_slot() != b.get_id().get_slot());
  CHECK(reactor.get_task_count() == 2);
}
