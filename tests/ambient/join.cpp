#include <gentask/ambient/join.hpp>

#include "leaves.hpp"

#include <gentask/reactors/ambient/reactor.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <tuple>

using namespace gentask;
using namespace gentask::test::ambient_leaves;

TEST_CASE("an ambient join is ready with every child's value once all are",
          "[ambient][join]") {
  ambient::reactor reactor;
  int polls_a = 0;
  int polls_b = 0;
  auto r = reactor.block_on(ambient::join(yield_leaf{1, 1, &polls_a}, yield_leaf{2, 3, &polls_b}));
  REQUIRE(r.is_ready());
  CHECK(r.get_value() == std::tuple<int, int>(1, 2));
  CHECK(polls_a == 2);  // a complete child is not polled again
  CHECK(polls_b == 4);
}

TEST_CASE("an ambient join fails with the first child's error", "[ambient][join]") {
  ambient::reactor reactor;
  auto r = reactor.block_on(ambient::join(yield_leaf{1, 2}, failing_leaf{"second"}));
  REQUIRE(r.is_failed());
  CHECK(r.get_error() == "second");
}
