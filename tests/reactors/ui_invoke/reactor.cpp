// reactors/ui_invoke/reactor.hpp: the UI-invoke reactor's own behaviour beyond the conformance
// suite (plain loop; the GLib backend: glib_reactor.cpp): its task's capabilities and the UI
// state reached only through it, on the UI thread only; posted callbacks refused re-entry,
// their exceptions counted; shutdown with posts and tasks pending; the manual clock; parking
// and a worker's post waking it.
#include <gentask/core/task.hpp>
#include <gentask/core/task_archetypes.hpp>
#include <gentask/futures/and_then.hpp>
#include <gentask/futures/poll_fn.hpp>
#include <gentask/futures/ready.hpp>
#include <gentask/futures/with_ui_state.hpp>
#include <gentask/reactors/local/reactor.hpp>
#include <gentask/reactors/ui_invoke/reactor.hpp>
#include <gentask/runtime/reactor.hpp>
#include <gentask/storage/boxed_task_store.hpp>
#include <gentask/storage/closed_group_map.hpp>
#include <gentask/time/sleep.hpp>

#include "support/leaf_futures.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

using namespace gentask;
using namespace std::chrono_literals;

namespace {
/// A UI state as a demo would have: what the window shows.
struct widgets {
  std::string label;
  double fraction = 0;
  int updates = 0;
};
using ui_reactor = ui_invoke::basic_reactor<open_map_storage, ui_invoke::plain_loop, widgets>;
using ui_task_type = ui_reactor::task_type;
using plain_task = ui_invoke::reactor::task_type;
using local_task = local::reactor::task_type;

auto set_label(std::string text) {
  return with_ui_state<widgets>([text = std::move(text)](widgets& w) {
    w.label = text;
    return ++w.updates;
  });
}
using set_label_future = decltype(set_label(""));
}  // namespace

TEST_CASE("the UI task models every capability but io_task, and only it models ui_task",
          "[ui_invoke][reactor]") {
  // clang-format off
  STATIC_REQUIRE( task<ui_task_type>);
  STATIC_REQUIRE( spawning_task<ui_task_type>);
  STATIC_REQUIRE( remote_waking_task<ui_task_type>);
  STATIC_REQUIRE( budgeted_task<ui_task_type>);
  STATIC_REQUIRE( timer_task<ui_task_type>);
  STATIC_REQUIRE( ui_task<ui_task_type>);
  STATIC_REQUIRE(!io_task<ui_task_type>);
  STATIC_REQUIRE( std::same_as<ui_task_type::ui_state_type, widgets>);
  STATIC_REQUIRE( ui_task<plain_task>);
  STATIC_REQUIRE( std::same_as<plain_task::ui_state_type, ui_invoke::no_ui_state>);
  STATIC_REQUIRE(!ui_task<local_task>);
  STATIC_REQUIRE( runtime::reactor<ui_invoke::reactor>);
  STATIC_REQUIRE( runtime::reactor<ui_reactor>);
  STATIC_REQUIRE( runtime::reactor<ui_invoke::basic_reactor<boxed_storage>>);
  // A future that touches the UI state is pollable on the UI task only (and on no other state).
  STATIC_REQUIRE( pollable<set_label_future, ui_task_type>);
  STATIC_REQUIRE( pollable<set_label_future, archetypes::ui_task>);
  STATIC_REQUIRE(!pollable<set_label_future, local_task>);
  STATIC_REQUIRE(!pollable<set_label_future, archetypes::task_with<without(capability::all, capability::ui)>>);
  // Tasks are made by the reactor alone: no one else can construct one.
  STATIC_REQUIRE(!std::constructible_from<ui_task_type, ui_reactor&, task_id>);
  // clang-format on
}

TEST_CASE("a future reaches the UI state through its task, spawned or as the root",
          "[ui_invoke][reactor]") {
  ui_reactor r;
  CHECK(r.block_on(set_label("one")).get_value() == 1);
  auto h = r.spawn(set_label("two"));
  CHECK(r.block_on(std::move(h)).get_value() == 2);
  CHECK(r.get_ui_state().label == "two");
  CHECK(r.get_ui_state().updates == 2);
}

TEST_CASE("the UI state cannot be reached through a task copied to another thread",
          "[ui_invoke][reactor][threads]") {
  ui_reactor r;
  std::string what;
  auto f = poll_fn<int, never>([&](auto& task) -> poll_result<int, never> {
    std::thread other([task, &what] {
      try {
        (void)task.get_ui_state();
      } catch (const std::logic_error& e) {
        what = e.what();
      }
    });
    other.join();
    return ready_value{0};
  });
  (void)r.block_on(std::move(f));
  CHECK(what.find("get_ui_state: called off the reactor's thread") != std::string::npos);
}

TEST_CASE("a posted callback cannot re-enter the reactor, and may spawn and post",
          "[ui_invoke][reactor]") {
  ui_invoke::reactor r;
  auto h = r.get_ui_handle();
  int refused = 0;
  bool later_ran = false;
  std::optional<join_handle<int, never>> spawned;
  REQUIRE_FALSE(h.post([&] {
    try {
      r.run_until_idle();
    } catch (const std::logic_error&) {
      ++refused;
    }
    try {
      (void)r.block_on(ready(1));
    } catch (const std::logic_error&) {
      ++refused;
    }
    try {
      r.shutdown();
    } catch (const std::logic_error&) {
      ++refused;
    }
    spawned.emplace(r.spawn(ready(3)));
    REQUIRE_FALSE(h.post([&] { later_ran = true; }));
  }));
  r.run_until_idle();
  CHECK(refused == 3);
  CHECK(later_ran);
  CHECK(r.block_on(std::move(*spawned)).get_value() == 3);
}

TEST_CASE("a posted callback that throws is counted, and the posts after it run",
          "[ui_invoke][reactor]") {
  ui_invoke::reactor r;
  auto h = r.get_ui_handle();
  int ran = 0;
  REQUIRE_FALSE(h.post([] { throw std::runtime_error("posted"); }));
  REQUIRE_FALSE(h.post([&] { ++ran; }));
  r.run_until_idle();
  CHECK(ran == 1);
  CHECK(r.get_unobserved_exception_count() == 1);
}

TEST_CASE("shutdown destroys queued posts unrun and pending tasks once, and refuses later posts",
          "[ui_invoke][reactor]") {
  auto token = std::make_shared<int>(0);
  bool ran = false;
  test::probe_record rec;
  std::optional<ui_invoke::reactor> r(std::in_place);
  auto h = r->get_ui_handle();
  REQUIRE_FALSE(h.post([token, &ran] { ran = true; }));
  REQUIRE_FALSE(h.post([token, &ran] { ran = true; }));
  r->spawn_detached(test::never_ready<int>{});
  auto joined = r->spawn(test::probe<int, never>(rec, ready_value{1}, 1000, false));
  CHECK(token.use_count() == 3);
  r->shutdown();
  CHECK(token.use_count() == 1);  // both posts destroyed
  CHECK_FALSE(ran);
  CHECK(rec.destroyed == 1);
  CHECK(h.post([token] {}) == ui_invoke::errc::stopped);
  CHECK(token.use_count() == 1);  // the refused post was destroyed at once
  r.reset();
  CHECK(h.post([] {}) == ui_invoke::errc::stopped);
}

TEST_CASE("on a manual clock, time jumps in block_on when nothing else can run",
          "[ui_invoke][reactor]") {
  ui_invoke::reactor r(timer_queue::clock_mode::manual);
  const auto start = r.get_timer().now();
  const auto wall = std::chrono::steady_clock::now();
  REQUIRE(r.block_on(sleep_for(1h)).is_ready());
  CHECK(r.get_timer().now() - start >= 1h);
  CHECK(std::chrono::steady_clock::now() - wall < 30s);
}

TEST_CASE("block_on parks, and a worker's post wakes it to run the callback",
          "[ui_invoke][reactor][threads]") {
  ui_invoke::reactor r;
  test::manual_event done;
  auto h = r.get_ui_handle();
  std::thread worker([h]() mutable {
    std::this_thread::sleep_for(20ms);
    (void)h.post([] {});
  });
  std::thread::id ran_on;
  std::thread worker2([h, &done, &ran_on]() mutable {
    std::this_thread::sleep_for(40ms);
    REQUIRE_FALSE(h.post([&done, &ran_on] {
      ran_on = std::this_thread::get_id();
      done.set();
    }));
  });
  REQUIRE(r.block_on(done.wait()).is_ready());
  CHECK(ran_on == std::this_thread::get_id());
  worker.join();
  worker2.join();
}
