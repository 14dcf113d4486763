// timeout(f, d) and timeout_at(f, deadline): f, or timed_out once the deadline passes (tokio's
// time::timeout), on the test kit's manual timer and on the local reactor's manual clock.
#include <gentask/time/timeout.hpp>

#include <gentask/core/budget.hpp>
#include <gentask/core/errors.hpp>
#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/pollable.hpp>
#include <gentask/core/task.hpp>
#include <gentask/futures/failed.hpp>
#include <gentask/futures/ready.hpp>
#include <gentask/futures/select.hpp>
#include <gentask/reactors/local/reactor.hpp>
#include <gentask/time/sleep.hpp>

#include "support/counting_task.hpp"
#include "support/leaf_futures.hpp"
#include "support/manual_timer.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>

using namespace gentask;
using namespace gentask::test;
using namespace std::chrono_literals;

namespace {

constexpr auto manual = timer_clock_mode::manual;

/// Ready with `value` once the task's clock reaches `at` (registers nothing: it is woken by
/// whatever else the task waits for, here the timeout's own sleep or a self-wake).
struct ready_at {
  using future_concept = future_tag;
  using item_type = int;
  using error_type = std::string;
  time_point at;
  int value;

  template <timer_task Task>
  poll_result<int, std::string> poll(Task& task) {
    if (task.get_timer().now() >= at) return ready_value{value};
    return pending;
  }
};

/// A leaf whose resource is always ready: it takes coop budget until refused, then wakes its
/// task and is pending; it never completes (gives up after a wall-clock cap, so a timeout that
/// never fires fails the test instead of hanging it).
struct budget_eater {
  using future_concept = future_tag;
  using item_type = bool;  // true: reached the cap
  using error_type = never;
  time_point cap = timer_clock::now() + 2s;

  template <task Task>
  poll_result<bool, never> poll(Task& task) {
    if (timer_clock::now() >= cap) return ready_value{true};
    while (poll_proceed(task)) {
    }
    task.get_waker().wake();
    return pending;
  }
};

}  // namespace

TEST_CASE("a timeout is pollable on exactly the timer tasks its future is pollable on",
          "[combinators][timeout]") {
  using on_ready = timeout_future<ready_future<int>>;
  STATIC_REQUIRE(future<on_ready>);
  STATIC_REQUIRE(pollable<on_ready, manual_timer_task>);
  STATIC_REQUIRE(pollable<on_ready, local::reactor::task_type>);
  STATIC_REQUIRE(!pollable<on_ready, counting_task>);                      // no timer
  STATIC_REQUIRE(!pollable<timeout_future<needs_io>, manual_timer_task>);  // the inner needs I/O
  STATIC_REQUIRE(std::is_same_v<on_ready::item_type, int>);
  STATIC_REQUIRE(std::is_same_v<on_ready::error_type, timeout_error<never>>);
  STATIC_REQUIRE(std::is_same_v<timeout_future<ready_at>::error_type, timeout_error<std::string>>);
}

TEST_CASE("a future ready before its timeout gives its item and cancels the timer registration",
          "[combinators][timeout]") {
  manual_timer_task task;
  auto& timer = task.get_timer();
  auto f = timeout(ready_at{timer.now() + 5ms, 7}, 10ms);
  CHECK_FALSE(f.get_deadline().has_value());
  CHECK(f.poll(task).is_pending());
  CHECK(f.get_deadline() == timer.now() + 10ms);  // fixed at the first poll
  CHECK(timer.get_pending_count() == 1);
  timer.advance(5ms);  // nothing woke the task; it is polled anyway (a spurious poll)
  auto r = f.poll(task);
  REQUIRE(r.is_ready());
  CHECK(r.get_value() == 7);
  CHECK(timer.get_pending_count() == 0);  // the sleep was dropped with the future's state
  CHECK(task.get_live_handles() == 0);
  CHECK_THROWS_AS(f.poll(task), polled_after_completion);
}

TEST_CASE("a future still pending at its deadline times out and is dropped then",
          "[combinators][timeout]") {
  manual_timer_task task;
  auto& timer = task.get_timer();
  probe_record record;
  auto f = timeout(probe<int>(record, ready_value{1}, 1000, false), 10ms);
  CHECK(f.poll(task).is_pending());
  timer.advance(9ms);
  CHECK(task.get_wake_count() == 0);
  timer.advance(1ms);
  CHECK(task.get_wake_count() == 1);
  auto r = f.poll(task);
  REQUIRE(r.is_failed());
  CHECK(r.get_error().is_timed_out());
  CHECK_FALSE(r.get_error().is_error());
  CHECK(record.polls == 2);      // polled first, then the deadline was checked
  CHECK(record.destroyed == 1);  // dropped at the timeout, not with the timeout future
  CHECK(timer.get_pending_count() == 0);
}

TEST_CASE("a future ready at the poll in which its deadline passes wins over the timeout",
          "[combinators][timeout]") {
  manual_timer_task task;
  auto& timer = task.get_timer();
  auto f = timeout(ready_at{timer.now() + 10ms, 3}, 10ms);
  CHECK(f.poll(task).is_pending());
  timer.advance(10ms);  // both are due now
  auto r = f.poll(task);
  REQUIRE(r.is_ready());  // the inner future is polled first, as in tokio
  CHECK(r.get_value() == 3);
}

TEST_CASE("a timeout passes the inner future's error through as a timeout_error",
          "[combinators][timeout]") {
  manual_timer_task task;
  auto f = timeout(failed<int>(std::string("refused")), 10ms);
  auto r = f.poll(task);
  REQUIRE(r.is_failed());
  CHECK(r.get_error().is_error());
  CHECK_FALSE(r.get_error().is_timed_out());
  CHECK(r.get_error().get_error() == "refused");
  CHECK(task.get_timer().get_pending_count() == 0);  // failed at the first poll: no registration
}

TEST_CASE("a zero or past timeout fires at the first poll at which the future is pending",
          "[combinators][timeout]") {
  manual_timer_task task;
  auto& timer = task.get_timer();
  timer.advance(1h);
  SECTION("zero") {
    auto f = timeout(never_ready<int>{}, 0ms);
    auto r = f.poll(task);
    REQUIRE(r.is_failed());
    CHECK(r.get_error().is_timed_out());
  }
  SECTION("negative") {
    auto f = timeout(never_ready<int>{}, -5ms);
    CHECK(f.poll(task).is_failed());
  }
  SECTION("a deadline in the past") {
    auto f = timeout_at(never_ready<int>{}, timer.now() - 30min);
    CHECK(f.poll(task).is_failed());
  }
  SECTION("a ready future still wins") {
    auto f = timeout(ready(5), 0ms);
    auto r = f.poll(task);
    REQUIRE(r.is_ready());
    CHECK(r.get_value() == 5);
  }
  CHECK(timer.get_pending_count() == 0);  // nothing was registered
  CHECK(task.get_wake_count() == 0);
}

TEST_CASE("a timeout of duration::max() never fires and its deadline saturates",
          "[combinators][timeout]") {
  manual_timer_task task;
  auto& timer = task.get_timer();
  timer.advance(1s);  // a clock past its epoch: now + max would overflow
  auto f = timeout(never_ready<int>{}, timer_clock::duration::max());
  CHECK(f.poll(task).is_pending());
  CHECK(f.get_deadline() == time_point::max());
  timer.advance(24h * 365 * 100);
  CHECK(task.get_wake_count() == 0);
  CHECK(f.poll(task).is_pending());
}

TEST_CASE("on the local reactor a timeout of duration::max() loses a select to a 50 ms sleep",
          "[combinators][timeout][reactor]") {
  local::reactor reactor;
  reactor.get_timer().set_clock_mode(manual);
  const time_point start = reactor.get_timer().now();
  auto r = reactor.block_on(
      gentask::select(timeout(never_ready<int>{}, timer_clock::duration::max()), sleep_for(50ms)));
  REQUIRE(r.is_ready());
  CHECK(r.get_value().index() == 1);
  CHECK(reactor.get_timer().now() - start == 50ms);
  CHECK(reactor.get_timer().get_pending_count() == 0);  // the loser's registration is gone
}

TEST_CASE("on the local reactor's manual clock a timeout fires exactly at its deadline",
          "[combinators][timeout][reactor]") {
  local::reactor reactor;
  auto& timer = reactor.get_timer();
  timer.set_clock_mode(manual);
  const time_point start = timer.now();
  auto r = reactor.block_on(never_ready<int>{} | timeout(250ms));
  REQUIRE(r.is_failed());
  CHECK(r.get_error().is_timed_out());
  CHECK(timer.now() - start == 250ms);
  // The inner future completes first: its item, and the clock stops at its deadline.
  auto sleeper = sleep_for(40ms) | timeout_at(timer.now() + 1h);
  auto q = reactor.block_on(std::move(sleeper));
  CHECK(q.is_ready());
  CHECK(timer.now() - start == 290ms);
  CHECK(timer.get_pending_count() == 0);
}

TEST_CASE("a timeout fires beside a future that spends its whole coop budget on every poll",
          "[combinators][timeout][reactor][budget]") {
  local::reactor reactor;  // the real clock: the busy future keeps a manual one from moving
  reactor.set_coop_budget(4U);
  const time_point start = timer_clock::now();
  auto r = reactor.block_on(timeout(budget_eater{}, 5ms));
  REQUIRE(r.is_failed());  // not at the eater's 2 s cap
  CHECK(r.get_error().is_timed_out());
  CHECK(timer_clock::now() - start >= 5ms);
  CHECK(timer_clock::now() - start < 1s);
}

TEST_CASE("a timeout_error of an infallible future widens to one of any error type",
          "[combinators][timeout]") {
  timeout_error<std::string> widened(timeout_error<never>::from_timeout());
  CHECK(widened.is_timed_out());
  CHECK(widened == timeout_error<std::string>::from_timeout());
  CHECK(timeout_error<std::string>::from_error("a") == timeout_error<std::string>::from_error("a"));
  CHECK_FALSE(timeout_error<std::string>::from_error("a") ==
              timeout_error<std::string>::from_timeout());
  // As a poll result, through poll_result's converting constructor.
  poll_result<int, timeout_error<never>> narrow =
      failed_value{timeout_error<never>::from_timeout()};
  poll_result<int, timeout_error<std::string>> wide = std::move(narrow);
  REQUIRE(wide.is_failed());
  CHECK(wide.get_error().is_timed_out());
}

TEST_CASE("a timeout of std::chrono::hours::max() saturates instead of overflowing",
          "[combinators][timeout]") {
  manual_timer_task task;
  task.get_timer().advance(1s);
  auto f = never_ready<int>{} | timeout(std::chrono::hours::max());
  CHECK(f.poll(task).is_pending());
  CHECK(f.get_deadline() == time_point::max());
}
