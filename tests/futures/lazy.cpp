#include <gentask/futures/lazy.hpp>

#include <gentask/core/errors.hpp>
#include <gentask/futures/failed.hpp>
#include <gentask/futures/map.hpp>
#include <gentask/reactors/local/reactor.hpp>
#include <gentask/spawn/join_handle.hpp>

#include "support/counted.hpp"
#include "support/counting_task.hpp"
#include "support/leaf_futures.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <type_traits>
#include <utility>

using namespace gentask;
using namespace gentask::test;

TEST_CASE("a lazy closure runs only when the future is first polled", "[combinators][lazy]") {
  // The seed's first example: "Waiting on the future." comes before "Running the closure."
  std::string log;
  auto f = lazy([&log] {
    log += "Running the closure.\n";
    return 1;
  });
  log += "Waiting on the future.\n";
  counting_task task;
  auto r = f.poll(task);
  CHECK(r.get_value() == 1);
  CHECK(log == "Waiting on the future.\nRunning the closure.\n");
}

TEST_CASE("lazy becomes the future its closure returns", "[combinators][lazy]") {
  counting_task task;
  int calls = 0;
  auto f = lazy([&calls] {
    ++calls;
    return yield_now(5);
  });
  CHECK(f.poll(task).is_pending());
  CHECK(task.get_wake_count() == 1);
  CHECK(f.poll(task).get_value() == 5);
  CHECK(calls == 1);  // the closure ran once, at the first poll
  CHECK_THROWS_AS(f.poll(task), polled_after_completion);
}

TEST_CASE("lazy passes errors through and maps void to unit", "[combinators][lazy]") {
  counting_task task;
  auto failing = lazy([] { return failed<int>(std::string("no")); });
  STATIC_REQUIRE(std::is_same_v<error_type_t<decltype(failing)>, std::string>);
  CHECK(failing.poll(task).get_error() == "no");

  auto side_effect = lazy([] {});
  STATIC_REQUIRE(std::is_same_v<item_type_t<decltype(side_effect)>, unit>);
  CHECK(side_effect.poll(task).is_ready());
}

TEST_CASE("lazy destroys its closure when the inner future replaces it", "[combinators][lazy]") {
  counting_task task;
  lifecycle life;
  auto f = lazy([c = counted(life)] { return yield_now(c.get_value()); });
  const std::size_t alive_before = life.get_alive();
  CHECK(alive_before == 1);
  CHECK(f.poll(task).is_pending());
  CHECK(life.get_alive() == 0);  // closure gone once the inner future exists
}

TEST_CASE("a lazy closure that throws completes the future", "[combinators][lazy]") {
  counting_task task;
  auto f = lazy([]() -> int { throw std::runtime_error("closure"); });
  CHECK_THROWS_AS(f.poll(task), std::runtime_error);
  CHECK_THROWS_AS(f.poll(task), polled_after_completion);
}

// ---------------------------------------------------------------------------------------------
// The task-aware form: the closure gets the task at the first poll.

TEST_CASE("a task-aware lazy closure gets the task that polls it, once", "[combinators][lazy]") {
  counting_task task;
  int calls = 0;
  auto f = lazy([&calls](auto& t) {
    ++calls;
    t.get_waker().wake();  // the closure may use the task
    return yield_now(7);
  });
  STATIC_REQUIRE(future<decltype(f)>);
  STATIC_REQUIRE(std::is_same_v<item_type_t<decltype(f)>, int>);
  CHECK(f.poll(task).is_pending());
  CHECK(task.get_wake_count() == 2);  // the closure's wake and yield_now's
  CHECK(f.poll(task).get_value() == 7);
  CHECK(calls == 1);
  CHECK_THROWS_AS(f.poll(task), polled_after_completion);
}

TEST_CASE("a task-aware lazy that spawns runs the child as a task of its own",
          "[combinators][lazy][spawn]") {
  local::reactor reactor;
  auto f = lazy([](spawning_task auto& task) -> join_handle<int, never> {
             return task.spawn(yield_now(40));
           }) |
           map([](int x) { return x + 2; });
  STATIC_REQUIRE(pollable<decltype(f), local::reactor::task_type>);
  STATIC_REQUIRE_FALSE(pollable<decltype(f), counting_task>);  // it cannot spawn
  const auto before = reactor.get_poll_count();
  auto r = reactor.block_on(std::move(f));
  REQUIRE(r.is_ready());
  CHECK(r.get_value() == 42);
  CHECK(reactor.get_poll_count() - before >= 3);  // the root, and the child twice
  CHECK(reactor.get_task_count() == 0);
}

TEST_CASE("a closure with no parameter is the plain lazy even when it could take a task",
          "[combinators][lazy]") {
  counting_task task;
  auto f = lazy([](auto&&... args) { return static_cast<int>(sizeof...(args)); });
  CHECK(f.poll(task).get_value() == 0);
}
