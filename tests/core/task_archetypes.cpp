// task_archetypes.hpp: the capability bit set and its operations, and what task_with<Caps>
// declares: exactly the members of the capabilities in Caps, with the declared result types.
// (tests/core/task.cpp has the table of which rung each named alias models.)
#include <gentask/core/task_archetypes.hpp>

#include <gentask/core/future.hpp>
#include <gentask/core/io_driver.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/pollable.hpp>
#include <gentask/core/task.hpp>
#include <gentask/core/timer_driver.hpp>
#include <gentask/core/waker.hpp>
#include <gentask/futures/ready.hpp>

#include "support/leaf_futures.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <string>
#include <type_traits>
#include <utility>

using namespace gentask;
namespace arch = gentask::archetypes;

namespace {

constexpr std::array<capability, 5> rungs = {capability::remote_wake, capability::spawn,
                                             capability::io, capability::timer, capability::ui};

/// One bit per rung that T models, in the order of `rungs` (bit 5: task).
template <class T>
constexpr unsigned models() {
  return (remote_waking_task<T> ? 1U : 0U) | (spawning_task<T> ? 2U : 0U) | (io_task<T> ? 4U : 0U) |
         (timer_task<T> ? 8U : 0U) | (ui_task<T> ? 16U : 0U) | (task<T> ? 32U : 0U);
}

template <capability Caps>
constexpr unsigned models_of() {
  return models<arch::task_with<Caps>>();
}

// Each member, detected on its own (a requires-clause on a member removes just that member).
template <class T>
concept has_remote_waker = requires(T& t) {
  t.get_remote_waker();
};
template <class T>
concept has_spawn = requires(T& t) {
  t.spawn(ready(1));
};
template <class T>
concept has_io_driver = requires(T& t) {
  t.get_io_driver();
};
template <class T>
concept has_timer = requires(T& t) {
  t.get_timer();
};
template <class T>
concept has_ui_state = requires(T& t) {
  t.get_ui_state();
};
template <class T, class F>
concept spawns = requires(T& t, F f) {
  t.spawn(std::move(f));
};

}  // namespace

TEST_CASE("capability is a bit set: one bit per rung, all of them in all", "[core][archetypes]") {
  STATIC_REQUIRE(static_cast<unsigned>(capability::none) == 0U);
  unsigned seen = 0;
  for (capability c : rungs) {
    const auto bits = static_cast<unsigned>(c);
    CHECK(bits != 0U);
    CHECK((bits & (bits - 1U)) == 0U);  // a single bit
    CHECK((seen & bits) == 0U);         // not shared with another rung
    seen |= bits;
  }
  CHECK(seen == static_cast<unsigned>(capability::all));
  STATIC_REQUIRE((capability::remote_wake | capability::spawn | capability::io | capability::timer |
                  capability::ui) == capability::all);
  STATIC_REQUIRE(noexcept(capability::io | capability::timer));
}

TEST_CASE("has_capability asks for every bit of its second argument, without removes just one",
          "[core][archetypes]") {
  constexpr capability io_timer = capability::io | capability::timer;
  STATIC_REQUIRE(has_capability(io_timer, capability::io));
  STATIC_REQUIRE(has_capability(io_timer, capability::timer));
  STATIC_REQUIRE(has_capability(io_timer, io_timer));
  STATIC_REQUIRE(!has_capability(capability::io, io_timer));  // all of them, not any
  STATIC_REQUIRE(!has_capability(io_timer, capability::ui));
  STATIC_REQUIRE(has_capability(capability::none, capability::none));
  STATIC_REQUIRE(!has_capability(capability::none, capability::spawn));
  STATIC_REQUIRE((capability::io | capability::io) == capability::io);
  STATIC_REQUIRE((capability::io | capability::timer) == (capability::timer | capability::io));

  for (capability c : rungs) {
    const capability rest = without(capability::all, c);
    CHECK_FALSE(has_capability(rest, c));
    for (capability other : rungs) {
      if (other != c) CHECK(has_capability(rest, other));
    }
    CHECK((rest | c) == capability::all);
    CHECK(without(c, c) == capability::none);
    CHECK(without(capability::none, c) == capability::none);
  }
}

TEST_CASE("task_with declares exactly the members of its capabilities", "[core][archetypes]") {
  using none = arch::task_with<capability::none>;
  using all = arch::full_task;
  STATIC_REQUIRE(std::is_same_v<arch::task, none>);
  STATIC_REQUIRE(std::is_same_v<all, arch::task_with<capability::all>>);
  // clang-format off
  STATIC_REQUIRE(!has_remote_waker<none>); STATIC_REQUIRE(has_remote_waker<all>);
  STATIC_REQUIRE(!has_spawn<none>);        STATIC_REQUIRE(has_spawn<all>);
  STATIC_REQUIRE(!has_io_driver<none>);    STATIC_REQUIRE(has_io_driver<all>);
  STATIC_REQUIRE(!has_timer<none>);        STATIC_REQUIRE(has_timer<all>);
  STATIC_REQUIRE(!has_ui_state<none>);     STATIC_REQUIRE(has_ui_state<all>);
  // clang-format on
  STATIC_REQUIRE(has_remote_waker<arch::remote_waking_task>);
  STATIC_REQUIRE(!has_spawn<arch::remote_waking_task>);
  STATIC_REQUIRE(has_ui_state<arch::ui_task>);
  STATIC_REQUIRE(!has_ui_state<arch::timer_task>);
  // ui_state_type is declared on every archetype; without the capability it is not a ui_task.
  STATIC_REQUIRE(std::is_same_v<none::ui_state_type, arch::ui_state_archetype>);
  STATIC_REQUIRE(!ui_task<none>);
}

TEST_CASE("task_with's members return the documented types", "[core][archetypes]") {
  using all = arch::full_task;
  STATIC_REQUIRE(std::is_same_v<decltype(std::declval<all&>().get_waker()), waker>);
  STATIC_REQUIRE(std::is_same_v<decltype(std::declval<all&>().get_remote_waker()), remote_waker>);
  STATIC_REQUIRE(
      std::is_same_v<decltype(std::declval<all&>().get_io_driver()), arch::io_driver_archetype&>);
  STATIC_REQUIRE(
      std::is_same_v<decltype(std::declval<all&>().get_timer()), arch::timer_driver_archetype&>);
  STATIC_REQUIRE(
      std::is_same_v<decltype(std::declval<all&>().get_ui_state()), arch::ui_state_archetype&>);
  STATIC_REQUIRE(io_driver<arch::io_driver_archetype>);
  STATIC_REQUIRE(timer_driver<arch::timer_driver_archetype>);
  // spawn gives a join handle archetype of the spawned future's item and error.
  using spawned =
      decltype(std::declval<all&>().spawn(std::declval<test::probe<std::string, int>>()));
  STATIC_REQUIRE(std::is_same_v<spawned, arch::join_handle_archetype<std::string, int>>);
  STATIC_REQUIRE(spawns<all, test::yield_now<int>>);
  STATIC_REQUIRE(!spawns<all, int>);  // only futures
  STATIC_REQUIRE(!spawns<arch::io_task, test::yield_now<int>>);
}

TEST_CASE("the join handle archetype is a future pollable on every task and nothing else",
          "[core][archetypes]") {
  using handle = arch::join_handle_archetype<int, char>;
  STATIC_REQUIRE(future<handle>);
  STATIC_REQUIRE(std::is_same_v<item_type_t<handle>, int>);
  STATIC_REQUIRE(std::is_same_v<error_type_t<handle>, char>);
  STATIC_REQUIRE(pollable<handle, arch::task>);
  STATIC_REQUIRE(pollable<handle, arch::ui_task>);
  STATIC_REQUIRE(pollable<handle, arch::full_task>);
  STATIC_REQUIRE(!pollable<handle, int>);
  STATIC_REQUIRE(!pollable<handle, arch::io_driver_archetype>);
}

TEST_CASE("archetypes, their drivers and their UI state are not futures and not tasks",
          "[core][archetypes]") {
  // clang-format off
  STATIC_REQUIRE(!future<arch::full_task>);
  STATIC_REQUIRE(!pollable<arch::full_task, arch::full_task>);
  STATIC_REQUIRE(!task<arch::io_driver_archetype>);
  STATIC_REQUIRE(!task<arch::timer_driver_archetype>);
  STATIC_REQUIRE(!task<arch::ui_state_archetype>);
  STATIC_REQUIRE(!future<arch::io_driver_archetype>);
  STATIC_REQUIRE(!io_driver<arch::timer_driver_archetype>);
  STATIC_REQUIRE(!timer_driver<arch::io_driver_archetype>);
  // clang-format on
}

TEST_CASE("the full task without one capability models every rung but that one",
          "[core][archetypes]") {
  // The sets diagnostics.hpp probes when it names a missing capability.
  constexpr unsigned everything = 63U;
  STATIC_REQUIRE(models_of<capability::all>() == everything);
  STATIC_REQUIRE(models_of<without(capability::all, capability::remote_wake)>() ==
                 (everything & ~1U));
  STATIC_REQUIRE(models_of<without(capability::all, capability::spawn)>() == (everything & ~2U));
  STATIC_REQUIRE(models_of<without(capability::all, capability::io)>() == (everything & ~4U));
  STATIC_REQUIRE(models_of<without(capability::all, capability::timer)>() == (everything & ~8U));
  STATIC_REQUIRE(models_of<without(capability::all, capability::ui)>() == (everything & ~16U));
  STATIC_REQUIRE(models_of<capability::spawn | capability::ui>() == (32U | 2U | 16U));
  // A leaf that needs one capability is pollable on the full task unless that one is removed.
  STATIC_REQUIRE(
      pollable<test::needs_io, arch::task_with<without(capability::all, capability::ui)>>);
  STATIC_REQUIRE(
      !pollable<test::needs_io, arch::task_with<without(capability::all, capability::io)>>);
}
