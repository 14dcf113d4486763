// The essay's SleepUntil: a leaf future that needs a timer_task, on a manual clock (the test
// kit's manual_timer_task, and the local reactor's timer queue on its manual clock).
#include <gentask/time/sleep.hpp>

#include <gentask/core/errors.hpp>
#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/task.hpp>
#include <gentask/futures/poll_fn.hpp>
#include <gentask/reactors/local/reactor.hpp>
#include <gentask/time/timer_queue.hpp>

#include "support/manual_timer.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

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

namespace {

constexpr auto manual = timer_clock_mode::manual;

/// What a `spurious` wrapper saw at each of its polls.
struct poll_trace {
  std::vector<std::size_t> pending_counts;   // the queue's pending registrations after the poll
  std::vector<timer_clock::duration> clock;  // the clock at the poll, from the start
  std::size_t ready_at_poll = 0;
};

/// Polls a sleep; while it is pending and `spurious` wakes are left, wakes its own task, so the
/// reactor polls it again before anything made the deadline come (spurious wakes).
template <class Sleep>
struct spurious {
  using future_concept = future_tag;
  using item_type = unit;
  using error_type = never;
  Sleep sleep;
  int wakes_left;
  time_point start;
  std::shared_ptr<poll_trace> trace;

  template <timer_task Task>
  poll_result<unit, never> poll(Task& task) {
    auto r = sleep.poll(task);
    trace->pending_counts.push_back(task.get_timer().get_pending_count());
    trace->clock.push_back(task.get_timer().now() - start);
    if (r.is_ready()) {
      trace->ready_at_poll = trace->pending_counts.size();
      return ready_value{};
    }
    if (wakes_left-- > 0) task.get_waker().wake();
    return pending;
  }
};

}  // namespace

TEST_CASE(
    "the essay's SleepUntil polled spuriously on the local reactor stays pending with one "
    "registration and is ready at its deadline",
    "[combinators][sleep][reactor]") {
  local::reactor reactor;
  auto& timer = reactor.get_timer();
  timer.set_clock_mode(manual);
  const time_point start = timer.now();
  auto trace = std::make_shared<poll_trace>();
  auto h = reactor.spawn(spurious<sleep_future>{sleep_until(start + 10ms), 50, start, trace});
  CHECK(reactor.run_until_idle() == 51);  // the first poll and 50 spurious ones
  REQUIRE(trace->pending_counts.size() == 51);
  for (std::size_t i = 0; i < 51; ++i) {
    CHECK(trace->pending_counts[i] == 1);  // registered once, never twice
    CHECK(trace->clock[i] == 0ms);         // all before the deadline
  }
  CHECK(timer.get_next_deadline() == start + 10ms);
  CHECK(timer.get_index().get_entry_count() == 1);  // no registration made and dropped
  CHECK(timer.advance(9ms) == 0);
  CHECK(reactor.run_until_idle() == 0);
  CHECK(timer.advance(1ms) == 1);  // the deadline: one wake
  CHECK(reactor.run_until_idle() == 1);
  CHECK(trace->ready_at_poll == 52);
  CHECK(trace->pending_counts.back() == 0);
  CHECK(reactor.block_on(std::move(h)).is_ready());
}

TEST_CASE("a sleep polled by another task than before registers again and cancels the old wake-up",
          "[combinators][sleep]") {
  manual_timer_task first;
  manual_timer_task second;
  auto& timer = first.get_timer();
  auto f = sleep_until(timer.now() + 5ms);
  CHECK(f.poll(first).is_pending());
  CHECK(first.get_live_handles() == 2);  // the sleep's copy and the registration's
  CHECK(timer.get_pending_count() == 1);
  // The second task has its own timer: the sleep registers there and drops the first one.
  CHECK(f.poll(second).is_pending());
  CHECK(first.get_live_handles() == 0);
  CHECK(timer.get_pending_count() == 0);
  CHECK(second.get_timer().get_pending_count() == 1);
}

TEST_CASE("a sleep reset to an earlier deadline removes its registration and registers the new one",
          "[combinators][sleep][reset]") {
  manual_timer_task task;
  auto& timer = task.get_timer();
  const time_point t0 = timer.now();
  auto f = sleep_until(t0 + 10ms);
  CHECK(f.poll(task).is_pending());
  CHECK(timer.get_pending_count() == 1);
  f.reset(t0 + 4ms);
  CHECK(f.get_deadline() == t0 + 4ms);
  CHECK(timer.get_pending_count() == 0);  // removed at once
  CHECK(f.poll(task).is_pending());
  CHECK(timer.get_pending_count() == 1);
  timer.advance(4ms);
  CHECK(task.get_wake_count() == 1);
  CHECK(f.poll(task).is_ready());
  CHECK(f.is_elapsed());
  timer.advance(10ms);
  CHECK(task.get_wake_count() == 1);  // the old deadline wakes nothing
}

TEST_CASE(
    "a sleep reset to a later deadline keeps its registration, wakes early once and registers "
    "again",
    "[combinators][sleep][reset]") {
  manual_timer_task task;
  auto& timer = task.get_timer();
  const time_point t0 = timer.now();
  auto f = sleep_until(t0 + 10ms);
  CHECK(f.poll(task).is_pending());
  f.reset(t0 + 30ms);
  CHECK(timer.get_pending_count() == 1);  // kept: tokio extends a registration the same way
  CHECK(f.poll(task).is_pending());       // a poll before the old deadline changes nothing
  CHECK(timer.get_pending_count() == 1);
  timer.advance(10ms);
  CHECK(task.get_wake_count() == 1);  // early: a spurious wake
  CHECK(f.poll(task).is_pending());
  CHECK(timer.get_pending_count() == 1);  // registered for 30 ms now
  timer.advance(19ms);
  CHECK(task.get_wake_count() == 1);
  timer.advance(1ms);
  CHECK(task.get_wake_count() == 2);
  CHECK(f.poll(task).is_ready());
}

TEST_CASE("a completed sleep reset to a new deadline is pending again until it",
          "[combinators][sleep][reset]") {
  manual_timer_task task;
  auto& timer = task.get_timer();
  auto f = sleep_for(1ms);
  CHECK(f.poll(task).is_pending());
  timer.advance(1ms);
  CHECK(f.poll(task).is_ready());
  f.reset(timer.now() + 2ms);
  CHECK_FALSE(f.is_elapsed());
  CHECK(f.poll(task).is_pending());
  CHECK(timer.get_pending_count() == 1);
  timer.advance(2ms);
  CHECK(f.poll(task).is_ready());
  // Reset to a time already past: ready at the next poll, nothing registered.
  f.reset(timer.now() - 1h);
  CHECK(f.poll(task).is_ready());
  CHECK(timer.get_pending_count() == 0);
}

TEST_CASE("on the local reactor a task that resets its sleep earlier is woken at the new deadline",
          "[combinators][sleep][reset][reactor]") {
  local::reactor reactor;
  auto& timer = reactor.get_timer();
  timer.set_clock_mode(manual);
  const time_point start = timer.now();
  // First poll: registers for one hour; second poll (after a self-wake): resets to 5 ms and
  // polls again; then waits.
  auto root = poll_fn<timer_clock::duration, never>(
      [start, s = sleep_until(start + 1h),
       polls = 0](auto& task) mutable -> poll_result<timer_clock::duration, never> {
        if (++polls == 2) s.reset(start + 5ms);
        if (s.poll(task).is_ready()) return ready_value{task.get_timer().now() - start};
        if (polls == 1) task.get_waker().wake();
        return pending;
      });
  auto r = reactor.block_on(std::move(root));
  REQUIRE(r.is_ready());
  CHECK(r.get_value() == 5ms);  // the paused clock jumped to the new deadline, not the old one
  CHECK(timer.get_pending_count() == 0);
}

TEST_CASE("a sleep of duration::max() on the local reactor never fires and never overflows",
          "[combinators][sleep][reactor]") {
  local::reactor reactor;
  auto& timer = reactor.get_timer();
  timer.set_clock_mode(manual);
  auto f = sleep_for(timer_clock::duration::max());
  auto root = poll_fn<bool, never>([&](auto& task) -> poll_result<bool, never> {
    return ready_value{f.poll(task).is_pending()};
  });
  CHECK(reactor.block_on(std::move(root)).get_value());
  CHECK(f.get_deadline() == time_point::max());
  CHECK(timer.get_next_deadline() == time_point::max());
  CHECK(timer.advance(24h * 365 * 100) == 0);  // a century later: still pending
  CHECK(timer.get_pending_count() == 1);
}

TEST_CASE("a sleep_for of std::chrono::hours::max() saturates instead of overflowing",
          "[combinators][sleep]") {
  manual_timer_task task;
  task.get_timer().advance(1s);
  auto f = sleep_for(std::chrono::hours::max());  // more nanoseconds than the clock can count
  CHECK(f.poll(task).is_pending());
  CHECK(f.get_deadline() == time_point::max());
  auto g = sleep_for(std::chrono::hours::min());  // long past: ready at once
  CHECK(g.poll(task).is_ready());
}
