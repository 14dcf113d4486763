// The diagnosis behind require_pollable: which capabilities a future needs that a task lacks.
// (That the diagnostic really is emitted, and names the capability, is checked by the
// compile-fail tests in tests/compile_fail/.)
#include <gentask/core/diagnostics.hpp>

#include <gentask/core/task_archetypes.hpp>
#include <gentask/futures/join.hpp>
#include <gentask/futures/ready.hpp>

#include "support/leaf_futures.hpp"

#include <catch2/catch.hpp>

using namespace gentask;
namespace arch = gentask::archetypes;
using namespace gentask::test;

TEST_CASE("require_pollable is true where the future is pollable", "[core][diagnostics]") {
  STATIC_REQUIRE(require_pollable<yield_now<int>, arch::task>());
  STATIC_REQUIRE(require_pollable<needs_io, arch::io_task>());
  STATIC_REQUIRE(require_pollable<decltype(join(needs_io{}, needs_ui{})), arch::full_task>());
}

TEST_CASE("the diagnosis names each missing capability and only those", "[core][diagnostics]") {
  using both = decltype(join(needs_io{}, needs_ui{}));
  STATIC_REQUIRE(detail::lacks<both, arch::task, capability::io>);
  STATIC_REQUIRE(detail::lacks<both, arch::task, capability::ui>);
  STATIC_REQUIRE(!detail::lacks<both, arch::task, capability::timer>);
  STATIC_REQUIRE(!detail::lacks<both, arch::task, capability::spawn>);
  STATIC_REQUIRE(!detail::lacks<both, arch::task, capability::remote_wake>);
  // A capability the task has is never reported, even if the future needs it.
  STATIC_REQUIRE(!detail::lacks<both, arch::io_task, capability::io>);
  STATIC_REQUIRE(detail::lacks<both, arch::io_task, capability::ui>);
  STATIC_REQUIRE(detail::lacks<needs_spawn, arch::remote_waking_task, capability::spawn>);
  STATIC_REQUIRE(detail::lacks<needs_remote_wake, arch::spawning_task, capability::remote_wake>);
}
