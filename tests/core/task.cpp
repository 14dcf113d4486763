#include <gentask/core/task.hpp>

#include <gentask/core/task_archetypes.hpp>
#include <gentask/reactors/local/reactor.hpp>

#include "support/counting_task.hpp"
#include "support/manual_timer.hpp"
#include "support/noop_task.hpp"

#include <catch2/catch.hpp>

using namespace gentask;
namespace arch = gentask::archetypes;

TEST_CASE("each archetype models exactly its rung of the capability ladder", "[core][task]") {
  // clang-format off
  //               task                           remote                                   spawning                            io                            timer                            ui
  STATIC_REQUIRE( task<arch::task>);              STATIC_REQUIRE(!remote_waking_task<arch::task>);              STATIC_REQUIRE(!spawning_task<arch::task>);              STATIC_REQUIRE(!io_task<arch::task>);              STATIC_REQUIRE(!timer_task<arch::task>);              STATIC_REQUIRE(!ui_task<arch::task>);
  STATIC_REQUIRE( task<arch::remote_waking_task>); STATIC_REQUIRE( remote_waking_task<arch::remote_waking_task>); STATIC_REQUIRE(!spawning_task<arch::remote_waking_task>); STATIC_REQUIRE(!io_task<arch::remote_waking_task>); STATIC_REQUIRE(!timer_task<arch::remote_waking_task>); STATIC_REQUIRE(!ui_task<arch::remote_waking_task>);
  STATIC_REQUIRE( task<arch::spawning_task>);     STATIC_REQUIRE(!remote_waking_task<arch::spawning_task>);     STATIC_REQUIRE( spawning_task<arch::spawning_task>);     STATIC_REQUIRE(!io_task<arch::spawning_task>);     STATIC_REQUIRE(!timer_task<arch::spawning_task>);     STATIC_REQUIRE(!ui_task<arch::spawning_task>);
  STATIC_REQUIRE( task<arch::io_task>);           STATIC_REQUIRE(!remote_waking_task<arch::io_task>);           STATIC_REQUIRE(!spawning_task<arch::io_task>);           STATIC_REQUIRE( io_task<arch::io_task>);           STATIC_REQUIRE(!timer_task<arch::io_task>);           STATIC_REQUIRE(!ui_task<arch::io_task>);
  STATIC_REQUIRE( task<arch::timer_task>);        STATIC_REQUIRE(!remote_waking_task<arch::timer_task>);        STATIC_REQUIRE(!spawning_task<arch::timer_task>);        STATIC_REQUIRE(!io_task<arch::timer_task>);        STATIC_REQUIRE( timer_task<arch::timer_task>);        STATIC_REQUIRE(!ui_task<arch::timer_task>);
  STATIC_REQUIRE( task<arch::ui_task>);           STATIC_REQUIRE(!remote_waking_task<arch::ui_task>);           STATIC_REQUIRE(!spawning_task<arch::ui_task>);           STATIC_REQUIRE(!io_task<arch::ui_task>);           STATIC_REQUIRE(!timer_task<arch::ui_task>);           STATIC_REQUIRE( ui_task<arch::ui_task>);
  STATIC_REQUIRE( task<arch::full_task>);         STATIC_REQUIRE( remote_waking_task<arch::full_task>);         STATIC_REQUIRE( spawning_task<arch::full_task>);         STATIC_REQUIRE( io_task<arch::full_task>);         STATIC_REQUIRE( timer_task<arch::full_task>);         STATIC_REQUIRE( ui_task<arch::full_task>);
  // clang-format on
}

TEST_CASE("the capability set of task_with composes", "[core][task]") {
  using io_and_timer = arch::task_with<capability::io | capability::timer>;
  STATIC_REQUIRE(io_task<io_and_timer>);
  STATIC_REQUIRE(timer_task<io_and_timer>);
  STATIC_REQUIRE(!ui_task<io_and_timer>);
  STATIC_REQUIRE(has_capability(capability::all, capability::ui));
  STATIC_REQUIRE(!has_capability(without(capability::all, capability::ui), capability::ui));
}

TEST_CASE("the test kit's tasks and the local reactor's task model what they claim",
          "[core][task]") {
  STATIC_REQUIRE(remote_waking_task<test::noop_task>);
  STATIC_REQUIRE(task<test::counting_task>);
  STATIC_REQUIRE(!remote_waking_task<test::counting_task>);
  STATIC_REQUIRE(timer_task<test::manual_timer_task>);
  STATIC_REQUIRE(!io_task<test::manual_timer_task>);

  using local = local::reactor::task_type;
  STATIC_REQUIRE(task<local>);
  STATIC_REQUIRE(remote_waking_task<local>);
  STATIC_REQUIRE(spawning_task<local>);
  STATIC_REQUIRE(!io_task<local>);
  STATIC_REQUIRE(timer_task<local>);
  STATIC_REQUIRE(!ui_task<local>);
}

namespace {
struct wrong_waker_type {
  int get_waker();
};
struct ui_without_state_type {
  waker get_waker();
  int& get_ui_state();
};
}  // namespace

TEST_CASE("types with the wrong members do not model the ladder", "[core][task]") {
  STATIC_REQUIRE(!task<int>);
  STATIC_REQUIRE(!task<wrong_waker_type>);
  STATIC_REQUIRE(!ui_task<ui_without_state_type>);
}
