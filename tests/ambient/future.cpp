#include <gentask/ambient/future.hpp>

#include "leaves.hpp"

#include <gentask/core/future.hpp>
#include <gentask/core/pollable.hpp>
#include <gentask/core/task_archetypes.hpp>
#include <gentask/futures/ready.hpp>

#include <catch2/catch.hpp>

#include <string>

using namespace gentask;
using namespace gentask::test::ambient_leaves;

TEST_CASE("ambient_future holds for futures polled without a task, and only for them",
          "[ambient][future]") {
  STATIC_REQUIRE(ambient::ambient_future<yield_leaf>);
  STATIC_REQUIRE(ambient::ambient_future<failing_leaf>);
  STATIC_REQUIRE_FALSE(ambient::ambient_future<ready_future<int>>);  // an explicit future
  STATIC_REQUIRE_FALSE(ambient::ambient_future<int>);
  // The two designs meet only through in_task: an ambient future is not an explicit one.
  STATIC_REQUIRE_FALSE(future<yield_leaf>);
  STATIC_REQUIRE(future<ambient::in_task<yield_leaf>>);
  STATIC_REQUIRE(pollable<ambient::in_task<yield_leaf>, archetypes::task>);
}
