#include <gentask/ambient/and_then.hpp>

#include "leaves.hpp"

#include <gentask/reactors/ambient/reactor.hpp>

#include <catch2/catch.hpp>

#include <string>

using namespace gentask;
using namespace gentask::test::ambient_leaves;

TEST_CASE("an ambient and_then chain runs each step after the previous one, passing no task",
          "[ambient][and_then]") {
  ambient::reactor reactor;
  int polls = 0;
  auto chain = ambient::and_then(yield_leaf{1, 2, &polls}, [&polls](int v) {
    return ambient::and_then(yield_leaf{v + 1, 1, &polls},
                             [&polls](int w) { return yield_leaf{w * 10, 0, &polls}; });
  });
  STATIC_REQUIRE(ambient::ambient_future<decltype(chain)>);
  auto r = reactor.block_on(std::move(chain));
  REQUIRE(r.is_ready());
  CHECK(r.get_value() == 20);
  CHECK(polls == 3 + 2 + 1);  // each leaf: its pending rounds, then the ready poll
}

TEST_CASE("an ambient and_then stops at the first error", "[ambient][and_then]") {
  ambient::reactor reactor;
  bool called = false;
  auto r = reactor.block_on(ambient::and_then(failing_leaf{"first"}, [&called](int) {
    called = true;
    return yield_leaf{};
  }));
  REQUIRE(r.is_failed());
  CHECK(r.get_error() == "first");
  CHECK_FALSE(called);
}

TEST_CASE("an ambient chain polled outside any task throws no_current_task from its leaf",
          "[ambient][and_then]") {
  auto chain = ambient::and_then(yield_leaf{1, 1},
                                 [](int v) { return yield_leaf{v, 0}; });
  // The explicit design does not compile this (poll needs a task); the replay finds out at run
  // time, from the first leaf that asks for its task.
  CHECK_THROWS_AS(chain.poll(), ambient::no_current_task);
}
