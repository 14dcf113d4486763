// Misuse and faults of time: deadlines that overflow the clock, a manual clock moved backwards,
// and a sleep that outlives its reactor. Deadlines saturate (tokio clamps far deadlines to a
// far future); the manual clock refuses to go back; a registration outliving its timer queue
// does nothing. Before the fix: `sleep_for(duration::max())` overflowed `now + delay` (UBSan:
// signed overflow) and fired at once, beating a 50 ms sleep in a `select`; `advance(-1s)` moved
// time backwards; dropping a sleep after its reactor was a heap-use-after-free.
#include <gentask/core/future.hpp>
#include <gentask/core/timer_driver.hpp>
#include <gentask/futures/poll_fn.hpp>
#include <gentask/futures/select.hpp>
#include <gentask/reactors/local/reactor.hpp>
#include <gentask/time/sleep.hpp>
#include <gentask/time/timer_queue.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>

using namespace gentask;
using namespace std::chrono_literals;

namespace {
constexpr auto manual = timer_queue::clock_mode::manual;
}  // namespace

TEST_CASE("saturating_add clamps to the clock's range instead of overflowing", "[misuse][time]") {
  const time_point t = timer_clock::now();
  CHECK(saturating_add(t, timer_clock::duration::max()) == time_point::max());
  CHECK(saturating_add(time_point::max(), 1ns) == time_point::max());
  CHECK(saturating_add(time_point::min(), -1ns) == time_point::min());
  CHECK(saturating_add(t, 5s) == t + 5s);
  CHECK(saturating_add(t, -5s) == t - 5s);
  STATIC_REQUIRE(saturating_add(time_point::max(), timer_clock::duration::max()) ==
                 time_point::max());
}

TEST_CASE("a sleep of duration::max() never ends: a 50 ms sleep beats it in a select",
          "[misuse][time]") {
  local::reactor r;
  r.get_timer().set_clock_mode(manual);
  const time_point start = r.get_timer().now();
  auto out = r.block_on(gentask::select(sleep_for(timer_clock::duration::max()), sleep_for(50ms)));
  REQUIRE(out.is_ready());
  CHECK(out.get_value().index() == 1);
  CHECK(r.get_timer().now() - start == 50ms);
}

TEST_CASE(
    "on the real clock, a never-ending sleep does not stop a short one from waking the reactor",
    "[misuse][time]") {
  local::reactor r;  // parks on its condition variable until the 20 ms deadline, not "max"
  auto out = r.block_on(gentask::select(sleep_for(timer_clock::duration::max()), sleep_for(20ms)));
  REQUIRE(out.is_ready());
  CHECK(out.get_value().index() == 1);
}

TEST_CASE("a relative sleep on a manual clock already at time_point::max() ends at once",
          "[misuse][time]") {
  local::reactor r;
  r.get_timer().set_clock_mode(manual);
  r.get_timer().advance_to(time_point::max());
  CHECK(r.block_on(sleep_for(1h)).is_ready());
  CHECK(r.get_timer().now() == time_point::max());
  CHECK(r.get_timer().advance(1h) == 0);  // saturates: still max, no overflow
  CHECK(r.get_timer().now() == time_point::max());
}

TEST_CASE("the manual clock refuses to move backwards", "[misuse][time]") {
  timer_queue q(manual);
  const time_point before = q.now();
  CHECK_THROWS_AS(q.advance(-1s), std::invalid_argument);
  CHECK(q.now() == before);
  CHECK(q.advance_to(before - 1h) == 0);  // ignored, as documented
  CHECK(q.now() == before);
}

TEST_CASE("a sleep that outlives its reactor can still be dropped", "[misuse][time]") {
  auto sleeping = std::make_unique<sleep_future>(sleep_for(1h));
  {
    local::reactor r;
    r.get_timer().set_clock_mode(manual);
    auto root = poll_fn<bool, never>([&](auto& task) -> poll_result<bool, never> {
      return ready_value{sleeping->poll(task).is_pending()};  // registered on r's queue
    });
    CHECK(r.block_on(std::move(root)).get_value());
    CHECK(r.get_timer().get_pending_count() == 1);
  }
  sleeping.reset();  // its registration's queue is gone: nothing to cancel, nothing touched
  SUCCEED();
}

TEST_CASE("a timer registration outliving its timer queue cancels nothing and frees its anchor",
          "[misuse][time]") {
  std::optional<timer_registration> kept;
  {
    timer_queue q(manual);
    kept.emplace(q.schedule_wake(q.now() + 1s, waker()));
    CHECK(kept->is_active());
  }
  kept->cancel();
  CHECK_FALSE(kept->is_active());
}
