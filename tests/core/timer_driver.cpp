// timer_driver.hpp: the timer_driver concept (now() -> time_point, schedule_wake(deadline, w)
// -> timer_registration) and timer_registration, the move-only handle whose destruction or
// cancel() removes the wake-up from its driver, once.
#include <gentask/core/timer_driver.hpp>

#include <gentask/core/task.hpp>
#include <gentask/core/task_archetypes.hpp>
#include <gentask/core/waker.hpp>
#include <gentask/time/timer_queue.hpp>

#include "support/counting_task.hpp"
#include "support/manual_timer.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <ratio>
#include <type_traits>
#include <utility>
#include <vector>

using namespace gentask;
namespace arch = gentask::archetypes;

namespace {

struct exact {
  time_point now();
  timer_registration schedule_wake(time_point deadline, const waker& w);
};
struct const_now {
  time_point now() const;
  timer_registration schedule_wake(time_point deadline, const waker& w);
};
struct system_clock_now {  // another clock's time point
  std::chrono::system_clock::time_point now();
  timer_registration schedule_wake(time_point deadline, const waker& w);
};
struct no_registration {  // the registration must come back: it is how a wake is cancelled
  time_point now();
  void schedule_wake(time_point deadline, const waker& w);
};
struct id_registration {
  time_point now();
  std::uint64_t schedule_wake(time_point deadline, const waker& w);
};
struct mutable_waker {
  time_point now();
  timer_registration schedule_wake(time_point deadline, waker& w);
};
struct no_now {
  timer_registration schedule_wake(time_point deadline, const waker& w);
};
struct duration_deadline {  // deadlines are time points, not durations
  time_point now();
  timer_registration schedule_wake(timer_clock::duration after, const waker& w);
};

struct with_timer : test::counting_task {
  exact& get_timer();
};
struct with_non_driver : test::counting_task {
  no_registration& get_timer();
};

/// What a driver's cancel function saw.
struct cancel_log {
  std::vector<std::pair<void*, std::uint64_t>> calls;
};
cancel_log* current_log = nullptr;

void record_cancel(void* driver, std::uint64_t id) noexcept {
  current_log->calls.emplace_back(driver, id);
}

}  // namespace

TEST_CASE("timer_driver requires now() and schedule_wake with exactly their result types",
          "[core][timer_driver]") {
  // clang-format off
  STATIC_REQUIRE( timer_driver<exact>);
  STATIC_REQUIRE( timer_driver<const_now>);
  STATIC_REQUIRE( timer_driver<arch::timer_driver_archetype>);
  STATIC_REQUIRE( timer_driver<timer_queue>);           // the reactors' driver
  STATIC_REQUIRE( timer_driver<test::manual_timer>);    // the test kit's
  STATIC_REQUIRE(!timer_driver<const timer_queue>);     // scheduling changes the driver
  STATIC_REQUIRE(!timer_driver<system_clock_now>);
  STATIC_REQUIRE(!timer_driver<no_registration>);
  STATIC_REQUIRE(!timer_driver<id_registration>);
  STATIC_REQUIRE(!timer_driver<mutable_waker>);
  STATIC_REQUIRE(!timer_driver<no_now>);
  STATIC_REQUIRE(!timer_driver<duration_deadline>);
  STATIC_REQUIRE(!timer_driver<int>);
  STATIC_REQUIRE(!timer_driver<arch::io_driver_archetype>);
  // clang-format on
  STATIC_REQUIRE(std::is_same_v<time_point, std::chrono::steady_clock::time_point>);
}

TEST_CASE("timer_task is a task whose get_timer gives a timer_driver", "[core][timer_driver]") {
  STATIC_REQUIRE(timer_task<with_timer>);
  STATIC_REQUIRE(timer_task<test::manual_timer_task>);
  STATIC_REQUIRE(!timer_task<with_non_driver>);
  STATIC_REQUIRE(!timer_task<test::counting_task>);
}

TEST_CASE("timer_registration is move-only, nothrow, and empty by default",
          "[core][timer_driver]") {
  STATIC_REQUIRE(!std::is_copy_constructible_v<timer_registration>);
  STATIC_REQUIRE(!std::is_copy_assignable_v<timer_registration>);
  STATIC_REQUIRE(std::is_nothrow_move_constructible_v<timer_registration>);
  STATIC_REQUIRE(std::is_nothrow_move_assignable_v<timer_registration>);
  STATIC_REQUIRE(std::is_nothrow_destructible_v<timer_registration>);
  STATIC_REQUIRE(noexcept(std::declval<timer_registration&>().cancel()));
  timer_registration empty;
  CHECK_FALSE(empty.is_active());
  empty.cancel();  // does nothing on an empty registration
  CHECK_FALSE(empty.is_active());
}

TEST_CASE("a timer_registration cancels its wake-up once, by cancel() or destruction",
          "[core][timer_driver]") {
  cancel_log log;
  current_log = &log;
  int driver = 0;
  SECTION("cancel() then destruction: one call, with the driver and the id") {
    {
      timer_registration r(&driver, 42, &record_cancel);
      CHECK(r.is_active());
      r.cancel();
      CHECK_FALSE(r.is_active());
      REQUIRE(log.calls.size() == 1);
      CHECK(log.calls[0].first == &driver);
      CHECK(log.calls[0].second == 42);
      r.cancel();
    }
    CHECK(log.calls.size() == 1);
  }
  SECTION("destruction alone") {
    { timer_registration r(&driver, 7, &record_cancel); }
    REQUIRE(log.calls.size() == 1);
    CHECK(log.calls[0].second == 7);
  }
  current_log = nullptr;
}

TEST_CASE("moving a timer_registration transfers the wake-up without cancelling it",
          "[core][timer_driver]") {
  cancel_log log;
  current_log = &log;
  int driver = 0;
  {
    timer_registration a(&driver, 1, &record_cancel);
    timer_registration b(std::move(a));
    CHECK_FALSE(a.is_active());  // NOLINT(bugprone-use-after-move): moved-from is empty
    CHECK(b.is_active());
    CHECK(log.calls.empty());
    std::optional<timer_registration> c(std::move(b));
    CHECK(log.calls.empty());
    c.reset();
    REQUIRE(log.calls.size() == 1);
    CHECK(log.calls[0].second == 1);
  }
  CHECK(log.calls.size() == 1);  // the moved-from shells cancel nothing
  current_log = nullptr;
}

TEST_CASE("move-assigning a timer_registration cancels the one it replaces",
          "[core][timer_driver]") {
  cancel_log log;
  current_log = &log;
  int first = 0;
  int second = 0;
  {
    timer_registration target(&first, 10, &record_cancel);
    timer_registration source(&second, 20, &record_cancel);
    target = std::move(source);
    REQUIRE(log.calls.size() == 1);
    CHECK(log.calls[0].first == &first);
    CHECK(log.calls[0].second == 10);
    CHECK(target.is_active());
    CHECK_FALSE(source.is_active());  // NOLINT(bugprone-use-after-move)
    timer_registration& alias = target;
    target = std::move(alias);  // self-move: no cancel, still active
    CHECK(target.is_active());
    CHECK(log.calls.size() == 1);
  }
  REQUIRE(log.calls.size() == 2);
  CHECK(log.calls[1].first == &second);
  CHECK(log.calls[1].second == 20);
  current_log = nullptr;
}

TEST_CASE("saturating_duration converts any integral duration to the clock's, clamped to its range",
          "[core][timer_driver]") {
  using ns = timer_clock::duration;
  STATIC_REQUIRE(saturating_duration(std::chrono::hours::max()) == ns::max());
  STATIC_REQUIRE(saturating_duration(std::chrono::hours::min()) == ns::min());
  STATIC_REQUIRE(saturating_duration(std::chrono::seconds(5)) == std::chrono::seconds(5));
  STATIC_REQUIRE(saturating_duration(std::chrono::milliseconds(-7)) ==
                 std::chrono::milliseconds(-7));
  STATIC_REQUIRE(saturating_duration(ns::max()) == ns::max());
  // At the edge: the most whole hours that fit convert exactly; one more saturates.
  constexpr auto most = std::chrono::duration_cast<std::chrono::hours>(ns::max());
  STATIC_REQUIRE(saturating_duration(most) == most);
  STATIC_REQUIRE(saturating_duration(most + std::chrono::hours(1)) == ns::max());
  // A narrow count in a coarse unit, an unsigned count, a finer unit.
  STATIC_REQUIRE(saturating_duration(std::chrono::duration<std::int8_t, std::ratio<3600>>(100)) ==
                 std::chrono::hours(100));
  STATIC_REQUIRE(saturating_duration(std::chrono::duration<std::uint64_t, std::nano>(
                     std::numeric_limits<std::uint64_t>::max())) == ns::max());
  STATIC_REQUIRE(saturating_duration(std::chrono::duration<std::uint64_t, std::ratio<1>>(
                     std::numeric_limits<std::uint64_t>::max())) == ns::max());
  STATIC_REQUIRE(saturating_duration(std::chrono::duration<std::int64_t, std::pico>(-1500)) ==
                 ns(-1));
}
