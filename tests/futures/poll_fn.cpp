#include <gentask/futures/poll_fn.hpp>

#include <gentask/core/errors.hpp>
#include <gentask/core/pollable.hpp>
#include <gentask/core/task_archetypes.hpp>
#include <gentask/futures/join.hpp>
#include <gentask/reactors/local/reactor.hpp>
#include <gentask/spawn/join_handle.hpp>

#include "support/counting_task.hpp"
#include "support/leaf_futures.hpp"

#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <type_traits>
#include <utility>

using namespace gentask;
using namespace gentask::test;
namespace arch = gentask::archetypes;

TEST_CASE("poll_fn polls its closure with the task until it completes", "[combinators][poll_fn]") {
  counting_task task;
  int polls = 0;
  auto f = poll_fn([&polls](auto& t) -> poll_result<int, never> {
    if (++polls < 3) {
      t.get_waker().wake();
      return pending;
    }
    return ready_value{polls};
  });
  STATIC_REQUIRE(std::is_same_v<item_type_t<decltype(f)>, int>);
  STATIC_REQUIRE(std::is_same_v<error_type_t<decltype(f)>, never>);
  CHECK(f.poll(task).is_pending());
  CHECK(f.poll(task).is_pending());
  CHECK(task.get_wake_count() == 2);
  CHECK(f.poll(task).get_value() == 3);
  CHECK_THROWS_AS(f.poll(task), polled_after_completion);
}

TEST_CASE("poll_fn<T, E> names the result and fails with the closure's error",
          "[combinators][poll_fn]") {
  counting_task task;
  auto f = poll_fn<int, std::string>(
      [](auto&) { return poll_result<int, std::string>(failed_value{std::string("no")}); });
  auto r = f.poll(task);
  REQUIRE(r.is_failed());
  CHECK(r.get_error() == "no");
}

TEST_CASE("poll_fn is pollable only where its closure is", "[combinators][poll_fn][concepts]") {
  auto any = poll_fn([](auto&) -> poll_result<int, never> { return ready_value{1}; });
  auto timed = poll_fn([](timer_task auto& t) -> poll_result<int, never> {
    (void)t.get_timer();
    return ready_value{1};
  });
  // clang-format off
  STATIC_REQUIRE( pollable<decltype(any), counting_task>);
  STATIC_REQUIRE( pollable<decltype(any), arch::task>);
  STATIC_REQUIRE( pollable<decltype(timed), arch::timer_task>);
  STATIC_REQUIRE( pollable<decltype(timed), local::reactor::task_type>);
  STATIC_REQUIRE(!pollable<decltype(timed), arch::task>);
  STATIC_REQUIRE(!pollable<decltype(timed), counting_task>);
  // clang-format on
  STATIC_REQUIRE(sizeof(any) <= sizeof(bool) + 1);  // an empty closure and a flag: no allocation
}

TEST_CASE("poll_fn spawns from inside a task and joins the child",
          "[combinators][poll_fn][spawn]") {
  local::reactor reactor;
  auto child_then_join = [] {
    return poll_fn([h = std::optional<join_handle<int, never>>()](
                       auto& task) mutable -> poll_result<int, join_error<never>> {
      if (!h) h.emplace(task.spawn(yield_now(20)));
      return h->poll(task);
    });
  };
  auto both = join(child_then_join(), child_then_join());
  auto r = reactor.block_on(std::move(both));
  REQUIRE(r.is_ready());
  CHECK(std::get<0>(r.get_value()) + std::get<1>(r.get_value()) == 40);
  CHECK(reactor.get_task_count() == 0);
}
