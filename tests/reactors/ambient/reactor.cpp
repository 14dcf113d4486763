#include <gentask/reactors/ambient/reactor.hpp>

#include "../../ambient/leaves.hpp"

#include <gentask/ambient/and_then.hpp>
#include <gentask/runtime/stalled.hpp>

#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>

using namespace gentask;
using namespace gentask::test::ambient_leaves;

namespace {

/// Pending until it has been polled `rounds` times; re-entry probe: calls `block_on` from inside.
struct reentrant_leaf {
  using future_concept = ambient::ambient_future_tag;
  using item_type = int;
  using error_type = std::string;
  ambient::reactor* reactor;
  poll_result<int, std::string> poll() {
    return ready_value{reactor->block_on(yield_leaf{1, 0}).get_value()};
  }
};

}  // namespace

TEST_CASE("the ambient reactor runs a root and spawned ambient futures, each in its own scope",
          "[reactor][ambient]") {
  ambient::reactor reactor;
  int polls = 0;
  reactor.spawn_detached(yield_leaf{5, 3, &polls});
  CHECK(reactor.run_until_idle() == 4);
  CHECK(polls == 4);
  CHECK(reactor.get_task_count() == 0);
  CHECK_FALSE(ambient::is_in_task());  // no scope is left open after the polls
  auto r = reactor.block_on(yield_leaf{9, 2});
  CHECK(r.get_value() == 9);
}

TEST_CASE("a leaf that forgets to register stalls its root: the reactor cannot tell at compile "
          "time, and says stalled at run time",
          "[reactor][ambient]") {
  ambient::reactor reactor;
  CHECK_THROWS_AS(reactor.block_on(forgetful_leaf{}), runtime::stalled);
  // The reactor goes on.
  CHECK(reactor.block_on(yield_leaf{3, 1}).get_value() == 3);
}

TEST_CASE("the ambient reactor refuses re-entry from inside a poll", "[reactor][ambient]") {
  ambient::reactor reactor;
  CHECK_THROWS_AS(reactor.block_on(reentrant_leaf{&reactor}), std::logic_error);
  CHECK_FALSE(ambient::is_in_task());  // the scope was closed on the way out
}
