// child_task<Task>: the parent's task with the child's own wake handle. Every
// capability of the parent is forwarded (spawn, io driver, timer, UI state, the cooperative
// budget) except get_remote_waker, which is deliberately not.
#include <gentask/core/child_task.hpp>

#include <gentask/core/budget.hpp>
#include <gentask/core/future.hpp>
#include <gentask/core/io_driver.hpp>
#include <gentask/core/pollable.hpp>
#include <gentask/core/task.hpp>
#include <gentask/core/task_archetypes.hpp>
#include <gentask/core/timer_driver.hpp>
#include <gentask/core/waker.hpp>
#include <gentask/futures/ready.hpp>

#include "support/counting_task.hpp"
#include "support/leaf_futures.hpp"
#include "support/manual_timer.hpp"
#include "support/noop_task.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <cstddef>
#include <type_traits>
#include <utility>

using namespace gentask;
using namespace gentask::test;
namespace arch = gentask::archetypes;

namespace {

/// One bit per capability T models: task, remote, spawn, io, timer, ui, budget.
template <class T>
constexpr unsigned models() {
  return (task<T> ? 1U : 0U) | (remote_waking_task<T> ? 2U : 0U) | (spawning_task<T> ? 4U : 0U) |
         (io_task<T> ? 8U : 0U) | (timer_task<T> ? 16U : 0U) | (ui_task<T> ? 32U : 0U) |
         (budgeted_task<T> ? 64U : 0U);
}
constexpr unsigned remote_bit = 2U;

struct null_io_driver {
  io_registration register_io(int /*fd*/) { return {}; }
  io_readiness poll_ready(const io_registration& /*r*/, io_interest /*i*/, const waker& /*w*/) {
    return {};
  }
  void clear_ready(const io_registration& /*r*/, io_readiness /*ready*/) {}
};

struct screen {
  int pixels = 0;
};

/// A parent with every capability, each recording its use.
class recording_parent : public manual_timer_task {
 public:
  using ui_state_type = screen;

  [[nodiscard]] remote_waker get_remote_waker() const noexcept { return {}; }
  template <future F>
  ready_future<unit> spawn(F&& /*f*/) {
    ++spawns;
    return ready();
  }
  null_io_driver& get_io_driver() noexcept { return io; }
  screen& get_ui_state() noexcept { return ui; }
  bool consume_budget() noexcept {
    if (budget == 0) return false;
    --budget;
    return true;
  }

  std::size_t spawns = 0;
  std::size_t budget = 2;
  null_io_driver io;
  screen ui;
};

template <class T>
concept has_ui_state_type = requires {
  typename T::ui_state_type;
};

}  // namespace

TEST_CASE("child_task forwards every capability of its parent but the remote waker",
          "[core][child_task]") {
  STATIC_REQUIRE(models<recording_parent>() == 127U);
  STATIC_REQUIRE(models<child_task<recording_parent>>() == (127U & ~remote_bit));
  STATIC_REQUIRE(models<child_task<arch::full_task>>() ==
                 (models<arch::full_task>() & ~remote_bit));
  STATIC_REQUIRE(models<child_task<arch::task>>() == models<arch::task>());
  STATIC_REQUIRE(models<child_task<arch::io_task>>() == models<arch::io_task>());
  STATIC_REQUIRE(models<child_task<arch::timer_task>>() == models<arch::timer_task>());
  STATIC_REQUIRE(models<child_task<arch::ui_task>>() == models<arch::ui_task>());
  STATIC_REQUIRE(models<child_task<arch::spawning_task>>() == models<arch::spawning_task>());
  STATIC_REQUIRE(models<child_task<arch::remote_waking_task>>() == models<arch::task>());
  STATIC_REQUIRE(models<child_task<counting_task>>() == models<counting_task>());
  STATIC_REQUIRE(models<child_task<noop_task>>() == (models<noop_task>() & ~remote_bit));
}

TEST_CASE(
    "a child is pollable through child_task where it is on the parent, unless it needs a "
    "remote waker",
    "[core][child_task]") {
  STATIC_REQUIRE(pollable<needs_timer, child_task<manual_timer_task>>);
  STATIC_REQUIRE(!pollable<needs_timer, child_task<counting_task>>);
  STATIC_REQUIRE(pollable<needs_io, child_task<arch::full_task>>);
  STATIC_REQUIRE(pollable<needs_ui, child_task<arch::ui_task>>);
  STATIC_REQUIRE(pollable<needs_spawn, child_task<arch::spawning_task>>);
  STATIC_REQUIRE(pollable<needs_remote_wake, noop_task>);
  STATIC_REQUIRE(!pollable<needs_remote_wake, child_task<noop_task>>);
  STATIC_REQUIRE(!pollable<needs_remote_wake, child_task<arch::full_task>>);
}

TEST_CASE("child_task names the parent's UI state type only when the parent has one",
          "[core][child_task]") {
  STATIC_REQUIRE(std::is_same_v<child_task<recording_parent>::ui_state_type, screen>);
  STATIC_REQUIRE(
      std::is_same_v<child_task<arch::ui_task>::ui_state_type, arch::ui_state_archetype>);
  STATIC_REQUIRE(!has_ui_state_type<child_task<counting_task>>);
  // Archetypes always declare ui_state_type; without the capability it is not exposed.
  STATIC_REQUIRE(!has_ui_state_type<child_task<arch::io_task>>);
}

TEST_CASE("child_task's wake handle is the child's, not the parent's", "[core][child_task]") {
  counting_task parent;
  counting_task child_source;
  const waker child_waker = child_source.get_waker();
  const child_task<counting_task> adapter(parent, child_waker);
  CHECK(child_source.get_live_handles() == 1);  // the adapter refers to it, holds no copy
  waker w = adapter.get_waker();
  CHECK(w.will_wake(child_waker));
  CHECK_FALSE(w.will_wake(parent.get_waker()));
  w.wake();
  CHECK(child_source.get_wake_count() == 1);
  CHECK(parent.get_wake_count() == 0);
  CHECK(child_source.get_live_handles() == 2);  // the copy it handed out
  CHECK(parent.get_live_handles() == 0);
}

TEST_CASE("child_task's forwarded capabilities reach the parent's own resources",
          "[core][child_task]") {
  recording_parent parent;
  counting_task child_source;
  const waker child_waker = child_source.get_waker();
  const child_task<recording_parent> adapter(parent, child_waker);

  CHECK(&adapter.get_timer() == &parent.get_timer());
  CHECK(&adapter.get_io_driver() == &parent.io);
  CHECK(&adapter.get_ui_state() == &parent.ui);
  adapter.get_ui_state().pixels = 5;
  CHECK(parent.ui.pixels == 5);

  auto handle = adapter.spawn(ready(1));
  STATIC_REQUIRE(std::is_same_v<decltype(handle), ready_future<unit>>);  // the parent's handle
  CHECK(parent.spawns == 1);
}

TEST_CASE("a child spends its parent's cooperative budget and a spent budget wakes the child",
          "[core][child_task]") {
  recording_parent parent;
  counting_task child_source;
  const waker child_waker = child_source.get_waker();
  const child_task<recording_parent> adapter(parent, child_waker);
  CHECK(adapter.consume_budget());
  CHECK(parent.budget == 1);
  CHECK(poll_proceed(adapter));
  CHECK(parent.budget == 0);
  CHECK(child_source.get_wake_count() == 0);
  CHECK_FALSE(poll_proceed(adapter));  // spent: the task to wake is the child's handle
  CHECK(child_source.get_wake_count() == 1);
  CHECK(parent.get_wake_count() == 0);
}

TEST_CASE(
    "a timer leaf polled through child_task registers the child's handle on the parent's "
    "timer",
    "[core][child_task]") {
  // End to end: the leaf reaches the parent's timer through the adapter, and its wake lands on
  // the child's handle.
  manual_timer_task parent;
  counting_task child_source;
  const waker child_waker = child_source.get_waker();
  child_task<manual_timer_task> adapter(parent, child_waker);
  using namespace std::chrono_literals;
  timer_registration reg =
      adapter.get_timer().schedule_wake(adapter.get_timer().now() + 1ms, adapter.get_waker());
  CHECK(parent.get_timer().get_pending_count() == 1);
  parent.get_timer().advance(1ms);
  CHECK(child_source.get_wake_count() == 1);
  CHECK(parent.get_wake_count() == 0);
}
