#include <gentask/reactors/local/reactor.hpp>

#include <gentask/futures/ready.hpp>
#include <gentask/runtime/reactor.hpp>
#include <gentask/runtime/stalled.hpp>

#include "support/leaf_futures.hpp"

#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>

// What is the local reactor's own; what every reactor does is in tests/conformance/, which the
// local reactor runs as the suite `test_conformance_local`.

using namespace gentask;
using namespace gentask::test;

TEST_CASE("local::reactor is the open map's reactor and models the kit's reactor concept",
          "[reactor][local][concepts]") {
  STATIC_REQUIRE(std::is_same_v<local::reactor, local::basic_reactor<open_map_storage>>);
  STATIC_REQUIRE(runtime::reactor<local::reactor>);
  STATIC_REQUIRE(timer_task<local::reactor::task_type>);
  STATIC_REQUIRE(budgeted_task<local::reactor::task_type>);
  STATIC_REQUIRE_FALSE(io_task<local::reactor::task_type>);
  STATIC_REQUIRE_FALSE(ui_task<local::reactor::task_type>);
}

TEST_CASE("local::block_on runs a future on a fresh reactor", "[reactor][local]") {
  CHECK(local::block_on(ready(5)).get_value() == 5);
  CHECK(local::block_on(yield_now(6)).get_value() == 6);
}

TEST_CASE("the local reactor's diagnostics name it", "[reactor][local]") {
  local::reactor reactor;
  try {
    (void)reactor.block_on(never_ready<int>{});
    FAIL("block_on returned");
  } catch (const runtime::stalled& e) {
    CHECK(std::string(e.what()).rfind("local::reactor::block_on: ", 0) == 0);
  }
  try {
    reactor.set_coop_budget(0U);
    FAIL("a budget of 0 was accepted");
  } catch (const std::invalid_argument& e) {
    CHECK(std::string(e.what()).rfind("local::reactor::set_coop_budget: ", 0) == 0);
  }
}

TEST_CASE("the local reactor refuses block_on, spawn and run_until_idle off its thread",
          "[reactor][local][threads]") {
  local::reactor reactor;
  std::string block_on_error;
  std::string spawn_error;
  std::string run_error;
  std::thread other([&] {
    try {
      (void)reactor.block_on(ready(1));
    } catch (const std::logic_error& e) {
      block_on_error = e.what();
    }
    try {
      reactor.spawn_detached(ready(1));
    } catch (const std::logic_error& e) {
      spawn_error = e.what();
    }
    try {
      (void)reactor.run_until_idle();
    } catch (const std::logic_error& e) {
      run_error = e.what();
    }
  });
  other.join();
  CHECK(block_on_error == "local::reactor::block_on: called off the reactor's thread");
  CHECK(spawn_error == "local::reactor::spawn: called off the reactor's thread");
  CHECK(run_error == "local::reactor::run_until_idle: called off the reactor's thread");
  CHECK(reactor.get_task_count() == 0);
  CHECK(reactor.block_on(ready(2)).get_value() == 2);
}
