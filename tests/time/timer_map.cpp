// timer_map: the std::map timer index the local reactor used before issue 15, kept as the
// baseline of the measurement (the behaviours every index shares are checked in
// timer_queue.cpp).
#include <gentask/time/timer_map.hpp>

#include <gentask/core/timer_driver.hpp>
#include <gentask/core/waker.hpp>
#include <gentask/time/timer_queue.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>

using namespace gentask;
using namespace std::chrono_literals;

namespace {

std::size_t live = 0;
constexpr waker_vtable counted = {
    [](void*, std::uint64_t) noexcept {},
    [](void*) noexcept { ++live; },
    [](void*) noexcept { --live; },
};
waker make() {
  ++live;
  return waker::from_raw(&counted, nullptr, 0);
}

const time_point t0{std::chrono::seconds(1000)};

}  // namespace

TEST_CASE("a timer_map pops its registrations by deadline and then by insertion",
          "[core][timer][timer_map]") {
  live = 0;
  {
    timer_map m;
    (void)m.insert(t0 + 2ms, make());
    const std::uint64_t a = m.insert(t0 + 1ms, make());
    const std::uint64_t b = m.insert(t0 + 1ms, make());
    CHECK(b != a);
    CHECK(m.get_size() == 3);
    CHECK(m.get_top_deadline() == t0 + 1ms);
    CHECK_FALSE(m.remove(a).is_noop());
    CHECK(m.remove(a).is_noop());  // removed already
    CHECK(m.get_top_deadline() == t0 + 1ms);
    CHECK_FALSE(m.pop_top().is_noop());  // b
    CHECK(m.get_top_deadline() == t0 + 2ms);
    CHECK(m.remove(b).is_noop());  // fired already
    (void)m.insert(t0 + 3ms, make());
    CHECK(m.get_size() == 2);
    m.clear();
    CHECK(m.is_empty());
    CHECK(live == 0);
  }
}

TEST_CASE("a timer queue can run on the timer_map", "[core][timer][timer_map]") {
  STATIC_REQUIRE(timer_driver<basic_timer_queue<timer_map>>);
  basic_timer_queue<timer_map> q(timer_clock_mode::manual);
  live = 0;
  auto r = q.schedule_wake(q.now() + 1ms, make());
  CHECK(q.get_pending_count() == 1);
  CHECK(q.advance(1ms) == 1);
  CHECK(live == 0);
}
