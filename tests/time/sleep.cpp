// The essay's SleepUntil: a leaf future that needs a timer_task, on a manual clock.
#include <gentask/time/sleep.hpp>

#include <gentask/core/errors.hpp>

#include "support/manual_timer.hpp"

#include <catch2/catch.hpp>

#include <chrono>

using namespace gentask;
using namespace gentask::test;
using namespace std::chrono_literals;

TEST_CASE("sleep_until is ready once the task's clock reaches the deadline",
          "[combinators][sleep]") {
  manual_timer_task task;
  auto& timer = task.get_timer();
  auto f = sleep_until(timer.now() + 10ms);
  CHECK(f.poll(task).is_pending());
  CHECK(timer.get_pending_count() == 1);
  timer.advance(9ms);
  CHECK(task.get_wake_count() == 0);
  timer.advance(1ms);
  CHECK(task.get_wake_count() == 1);
  CHECK(f.poll(task).is_ready());
  CHECK_THROWS_AS(f.poll(task), polled_after_completion);
}

TEST_CASE("sleep_until tolerates spurious wakes without registering twice",
          "[combinators][sleep]") {
  manual_timer_task task;
  auto& timer = task.get_timer();
  auto f = sleep_until(timer.now() + 5ms);
  for (int i = 0; i < 4; ++i) CHECK(f.poll(task).is_pending());  // spurious polls
  CHECK(timer.get_pending_count() == 1);
  timer.advance(5ms);
  CHECK(task.get_wake_count() == 1);
  CHECK(f.poll(task).is_ready());
}

TEST_CASE("a past deadline is ready at once and registers nothing", "[combinators][sleep]") {
  manual_timer_task task;
  task.get_timer().advance(1s);
  auto f = sleep_until(time_point{});
  CHECK(f.poll(task).is_ready());
  CHECK(task.get_timer().get_pending_count() == 0);
}

TEST_CASE("dropping a pending sleep cancels its wake-up", "[combinators][sleep]") {
  manual_timer_task task;
  {
    auto f = sleep_until(task.get_timer().now() + 1h);
    CHECK(f.poll(task).is_pending());
    CHECK(task.get_timer().get_pending_count() == 1);
  }
  CHECK(task.get_timer().get_pending_count() == 0);
  CHECK(task.get_live_handles() == 0);
}

TEST_CASE("sleep_for fixes its deadline at the first poll", "[combinators][sleep]") {
  manual_timer_task task;
  auto& timer = task.get_timer();
  auto f = sleep_for(3ms);
  timer.advance(100ms);  // before the first poll: does not count
  CHECK_FALSE(f.get_deadline().has_value());
  CHECK(f.poll(task).is_pending());
  REQUIRE(f.get_deadline().has_value());
  CHECK(*f.get_deadline() == timer.now() + 3ms);
  timer.advance(3ms);
  CHECK(f.poll(task).is_ready());
}
