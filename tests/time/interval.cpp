// interval(period) and interval_at(start, period): a stream of ticks (tokio's time::interval),
// on the test kit's manual timer and on the local reactor's manual clock; the missed-tick
// behaviours burst (the default), delay and skip.
#include <gentask/time/interval.hpp>

#include <gentask/core/errors.hpp>
#include <gentask/core/stream.hpp>
#include <gentask/core/task.hpp>
#include <gentask/reactors/local/reactor.hpp>
#include <gentask/streams/collect.hpp>
#include <gentask/streams/take.hpp>

#include "support/counting_task.hpp"
#include "support/manual_timer.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <cstddef>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <vector>

using namespace gentask;
using namespace gentask::test;
using namespace std::chrono_literals;

namespace {

constexpr auto manual = timer_clock_mode::manual;

/// The item of a ready poll (fails the test otherwise).
template <class Task>
time_point next_tick(interval_stream& s, Task& task) {
  auto r = s.poll_next(task);
  REQUIRE(r.is_ready());
  REQUIRE(r.get_value().has_value());
  return *r.get_value();
}

}  // namespace

TEST_CASE("an interval is a never-ending stream of time points that needs a timer task",
          "[streams][interval]") {
  STATIC_REQUIRE(stream<interval_stream>);
  STATIC_REQUIRE(std::is_same_v<item_type_t<interval_stream>, time_point>);
  STATIC_REQUIRE(std::is_same_v<error_type_t<interval_stream>, never>);
  STATIC_REQUIRE(pollable_stream<interval_stream, manual_timer_task>);
  STATIC_REQUIRE(pollable_stream<interval_stream, local::reactor::task_type>);
  STATIC_REQUIRE(!pollable_stream<interval_stream, counting_task>);
}

TEST_CASE("an interval refuses a period of zero or less", "[streams][interval]") {
  CHECK_THROWS_AS(interval(0ms), std::invalid_argument);
  CHECK_THROWS_AS(interval(-1ns), std::invalid_argument);
  CHECK_THROWS_AS(interval_at(timer_clock::now(), 0s), std::invalid_argument);
  CHECK_NOTHROW(interval(1ns));
}

TEST_CASE("an interval ticks at once at its first poll and then once per period",
          "[streams][interval]") {
  manual_timer_task task;
  auto& timer = task.get_timer();
  timer.advance(1h);
  const time_point t0 = timer.now();
  auto s = interval(10ms);
  CHECK_FALSE(s.get_next_tick().has_value());
  CHECK(next_tick(s, task) == t0);
  CHECK(s.get_next_tick() == t0 + 10ms);
  CHECK(s.poll_next(task).is_pending());
  CHECK(timer.get_pending_count() == 1);
  timer.advance(9ms);
  CHECK(task.get_wake_count() == 0);
  timer.advance(1ms);
  CHECK(task.get_wake_count() == 1);
  CHECK(next_tick(s, task) == t0 + 10ms);
  CHECK(s.poll_next(task).is_pending());
  timer.advance(10ms);
  CHECK(task.get_wake_count() == 2);
  CHECK(next_tick(s, task) == t0 + 20ms);
}

TEST_CASE("an interval_at waits for its start, then ticks once per period", "[streams][interval]") {
  manual_timer_task task;
  auto& timer = task.get_timer();
  const time_point start = timer.now() + 5ms;
  auto s = interval_at(start, 3ms);
  CHECK(s.poll_next(task).is_pending());
  timer.advance(5ms);
  CHECK(task.get_wake_count() == 1);
  CHECK(next_tick(s, task) == start);
  timer.advance(3ms);
  CHECK(next_tick(s, task) == start + 3ms);
}

TEST_CASE("on the local reactor's manual clock an interval's ticks come at their times",
          "[streams][interval][reactor]") {
  local::reactor reactor;
  auto& timer = reactor.get_timer();
  timer.set_clock_mode(manual);
  const time_point start = timer.now();
  auto r = reactor.block_on(interval(7ms) | streams::take(5) | streams::collect());
  REQUIRE(r.is_ready());
  CHECK(r.get_value() ==
        std::vector<time_point>{start, start + 7ms, start + 14ms, start + 21ms, start + 28ms});
  CHECK(timer.now() - start == 28ms);     // the paused clock jumped from tick to tick
  CHECK(timer.get_pending_count() == 0);  // the interval was dropped after its fifth tick
}

TEST_CASE("after missed ticks a burst interval yields each of them at once, on its schedule",
          "[streams][interval][missed]") {
  manual_timer_task task;
  auto& timer = task.get_timer();
  const time_point t0 = timer.now();
  auto s = interval_at(t0, 10ms);
  CHECK(s.get_missed_tick_behavior() == missed_tick_behavior::burst);  // the default
  CHECK(next_tick(s, task) == t0);
  timer.advance(35ms);  // three ticks missed (10, 20, 30)
  CHECK(next_tick(s, task) == t0 + 10ms);
  CHECK(next_tick(s, task) == t0 + 20ms);
  CHECK(next_tick(s, task) == t0 + 30ms);
  CHECK(s.poll_next(task).is_pending());  // caught up
  timer.advance(5ms);
  CHECK(next_tick(s, task) == t0 + 40ms);
}

TEST_CASE("after missed ticks a delay interval ticks one period after the late tick",
          "[streams][interval][missed]") {
  manual_timer_task task;
  auto& timer = task.get_timer();
  const time_point t0 = timer.now();
  auto s = interval_at(t0, 10ms);
  s.set_missed_tick_behavior(missed_tick_behavior::delay);
  CHECK(next_tick(s, task) == t0);
  timer.advance(35ms);
  CHECK(next_tick(s, task) == t0 + 10ms);  // the late tick, observed at 35 ms
  CHECK(s.poll_next(task).is_pending());   // the others were dropped
  CHECK(s.get_next_tick() == t0 + 45ms);
  timer.advance(10ms);
  CHECK(next_tick(s, task) == t0 + 45ms);
  CHECK(s.get_next_tick() == t0 + 55ms);  // on time again: one period on
}

TEST_CASE("after missed ticks a skip interval keeps to its schedule and drops the missed ticks",
          "[streams][interval][missed]") {
  manual_timer_task task;
  auto& timer = task.get_timer();
  const time_point t0 = timer.now();
  auto s = interval_at(t0, 10ms);
  s.set_missed_tick_behavior(missed_tick_behavior::skip);
  CHECK(next_tick(s, task) == t0);
  timer.advance(35ms);
  CHECK(next_tick(s, task) == t0 + 10ms);
  CHECK(s.poll_next(task).is_pending());
  CHECK(s.get_next_tick() == t0 + 40ms);  // the schedule's next tick after 35 ms
  timer.advance(5ms);
  CHECK(next_tick(s, task) == t0 + 40ms);
  // Exactly on a tick of the schedule: the one after it.
  timer.advance(20ms);  // at 60: 50 was missed, 60 is now
  CHECK(next_tick(s, task) == t0 + 50ms);
  CHECK(s.get_next_tick() == t0 + 70ms);
}

TEST_CASE("an interval whose next tick would pass the clock's range never ticks again",
          "[streams][interval]") {
  manual_timer_task task;
  auto& timer = task.get_timer();
  timer.advance(1s);
  auto s = interval(timer_clock::duration::max());
  CHECK(next_tick(s, task) == timer.now());
  CHECK(s.get_next_tick() == time_point::max());  // saturated, no overflow
  CHECK(s.poll_next(task).is_pending());
  timer.advance(24h * 365 * 100);
  CHECK(task.get_wake_count() == 0);
  CHECK(s.poll_next(task).is_pending());
  // skip with a start far in the past: the lateness is taken without overflow.
  auto far = interval_at(time_point::min(), 1h);
  far.set_missed_tick_behavior(missed_tick_behavior::skip);
  CHECK(next_tick(far, task) == time_point::min());  // late itself: the next is after now
  CHECK(far.poll_next(task).is_pending());
  CHECK(far.get_next_tick() > timer.now());
  CHECK(*far.get_next_tick() - timer.now() <= 1h);
}

TEST_CASE("dropping an interval cancels its wake-up", "[streams][interval]") {
  manual_timer_task task;
  {
    auto s = interval(1ms);
    (void)next_tick(s, task);
    CHECK(s.poll_next(task).is_pending());
    CHECK(task.get_timer().get_pending_count() == 1);
  }
  CHECK(task.get_timer().get_pending_count() == 0);
  CHECK(task.get_live_handles() == 0);
}

TEST_CASE("an interval of std::chrono::hours::max() ticks once and never again",
          "[streams][interval]") {
  manual_timer_task task;
  task.get_timer().advance(1s);
  auto s = interval(std::chrono::hours::max());
  CHECK(s.get_period() == timer_clock::duration::max());
  CHECK(next_tick(s, task) == task.get_timer().now());
  CHECK(s.get_next_tick() == time_point::max());
  CHECK(s.poll_next(task).is_pending());
}
