// timer_heap: the binary heap with lazy removal that the local reactor's timer queue keeps its
// registrations in (the behaviours every index shares are checked in timer_queue.cpp).
#include <gentask/time/timer_heap.hpp>

#include <gentask/core/timer_driver.hpp>
#include <gentask/core/waker.hpp>
#include <gentask/time/timer_queue.hpp>

#include "support/alloc_counter.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

using namespace gentask;
using namespace gentask::test;
using namespace std::chrono_literals;

namespace {

/// Wake handles that count wakes and live handles.
struct counts {
  std::size_t wakes = 0;
  std::size_t live = 0;

  [[nodiscard]] waker make() {
    ++live;
    return waker::from_raw(&vtable, this, 0);
  }

  static const waker_vtable vtable;
};

// Out of the class: its lambdas need `counts` complete (clang insists).
constexpr waker_vtable counts::vtable = {
    [](void* data, std::uint64_t) noexcept { ++static_cast<counts*>(data)->wakes; },
    [](void* data) noexcept { ++static_cast<counts*>(data)->live; },
    [](void* data) noexcept { --static_cast<counts*>(data)->live; },
};

const time_point t0{std::chrono::seconds(1000)};

}  // namespace

TEST_CASE("a timer_heap pops its registrations by deadline and then by insertion",
          "[core][timer][timer_heap]") {
  timer_heap h;
  counts c;
  CHECK(h.is_empty());
  (void)h.insert(t0 + 3ms, c.make());
  (void)h.insert(t0 + 1ms, c.make());
  const std::uint64_t tie = h.insert(t0 + 1ms, c.make());
  (void)h.insert(t0 + 2ms, c.make());
  CHECK(h.get_size() == 4);
  CHECK(h.get_top_deadline() == t0 + 1ms);
  {
    const waker w = h.pop_top();
    CHECK_FALSE(w.is_noop());
  }
  CHECK(h.get_top_deadline() == t0 + 1ms);  // the tie, inserted later
  CHECK_FALSE(h.remove(tie).is_noop());     // its handle comes back to the caller
  CHECK(h.get_top_deadline() == t0 + 2ms);
  CHECK(h.get_size() == 2);
  CHECK(h.remove(tie).is_noop());  // a second removal finds nothing
  (void)h.pop_top();
  (void)h.pop_top();
  CHECK(h.is_empty());
  CHECK(c.live == 0);
  CHECK(c.wakes == 0);  // the index never wakes: its queue does
}

TEST_CASE("removing the earliest timer_heap registration exposes the next live one at once",
          "[core][timer][timer_heap]") {
  timer_heap h;
  counts c;
  std::vector<std::uint64_t> keys;
  for (int i = 0; i < 10; ++i) keys.push_back(h.insert(t0 + i * 1ms, c.make()));
  // Kill entries 1..4 while 0 is on top: they stay in the heap, dead.
  for (int i = 1; i < 5; ++i) (void)h.remove(keys[static_cast<std::size_t>(i)]);
  CHECK(h.get_size() == 6);
  CHECK(h.get_entry_count() == 10);
  CHECK(c.live == 6);  // a removed registration's handle is released at once
  // Removing the top drops every dead entry that reached the top.
  (void)h.remove(keys[0]);
  CHECK(h.get_top_deadline() == t0 + 5ms);
  CHECK(h.get_entry_count() == 5);
  CHECK(h.get_size() == 5);
}

TEST_CASE("a timer_heap rebuilds itself once dead entries outnumber the live ones",
          "[core][timer][timer_heap]") {
  timer_heap h;
  counts c;
  constexpr std::size_t n = 1000;
  std::vector<std::uint64_t> keys;
  // The earliest registration stays, so no removal below touches the top.
  const std::uint64_t first = h.insert(t0, c.make());
  for (std::size_t i = 1; i <= n; ++i) {
    keys.push_back(h.insert(t0 + static_cast<std::int64_t>(i) * 1us, c.make()));
  }
  std::size_t most_entries = 0;
  for (std::size_t i = 0; i + 1 < n; ++i) {
    (void)h.remove(keys[i]);
    most_entries = std::max(most_entries, h.get_entry_count());
    // Never more than about twice the live entries (and a small floor).
    REQUIRE(h.get_entry_count() <= std::max<std::size_t>(2 * h.get_size() + 1, 64));
  }
  CHECK(h.get_size() == 2);
  CHECK(h.get_top_deadline() == t0);
  CHECK(h.remove(first).is_noop() == false);
  CHECK(h.get_top_deadline() == t0 + static_cast<std::int64_t>(n) * 1us);
  CHECK(most_entries == n + 1);
}

TEST_CASE("a warm timer_heap inserts, removes and pops without allocating",
          "[core][timer][timer_heap]") {
  timer_heap h;
  counts c;
  constexpr int n = 2000;
  std::vector<std::uint64_t> keys(n);
  auto round = [&] {
    for (int i = 0; i < n; ++i)
      keys[static_cast<std::size_t>(i)] = h.insert(t0 + (i % 97) * 1us, c.make());
    for (int i = 0; i < n; i += 2) (void)h.remove(keys[static_cast<std::size_t>(i)]);
    while (!h.is_empty()) (void)h.pop_top();
  };
  round();  // warm: the slab and the heap reach their size
  const std::size_t slots = h.get_slot_count();
  allocation_counter counter;
  for (int r = 0; r < 3; ++r) round();
  CHECK(counter.get_count() == 0);
  CHECK(h.get_slot_count() == slots);  // freed slots are reused
  CHECK(slots == static_cast<std::size_t>(n));
  CHECK(c.live == 0);
}

TEST_CASE("a timer queue on the timer_heap reuses the slots of fired registrations",
          "[core][timer][timer_heap]") {
  timer_queue q(timer_clock_mode::manual);
  counts c;
  for (int round = 0; round < 5; ++round) {
    std::vector<timer_registration> regs;
    for (int i = 0; i < 100; ++i)
      regs.push_back(q.schedule_wake(q.now() + (i + 1) * 1us, c.make()));
    CHECK(q.advance(1ms) == 100);
  }
  CHECK(q.get_index().get_slot_count() == 100);
  CHECK(c.wakes == 500);
  CHECK(c.live == 0);
}
