// reactors/ui_invoke/glib_reactor.hpp: the UI-invoke reactor on a GLib context models the kit's
// reactor concept and the UI capabilities; its UI state is the reactor's, reached through the
// task; block_on waits in the context for a timer and for a worker's post; on its private
// context it reports a stall, as the plain loop does.
#include <gentask/futures/and_then.hpp>
#include <gentask/futures/with_ui_state.hpp>
#include <gentask/reactors/ui_invoke/glib_reactor.hpp>
#include <gentask/runtime/reactor.hpp>
#include <gentask/runtime/stalled.hpp>
#include <gentask/storage/boxed_task_store.hpp>
#include <gentask/time/sleep.hpp>

#include "support/leaf_futures.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <thread>

using namespace gentask;
using namespace std::chrono_literals;

namespace {
struct label_state {
  std::string text;
};
using labelled = ui_invoke::basic_glib_reactor<open_map_storage, label_state>;
}  // namespace

TEST_CASE("the GLib reactor models the reactor concept and every capability but io_task",
          "[ui_invoke][glib_reactor]") {
  using t = ui_invoke::glib_reactor::task_type;
  // clang-format off
  STATIC_REQUIRE( runtime::reactor<ui_invoke::glib_reactor>);
  STATIC_REQUIRE( runtime::reactor<ui_invoke::basic_glib_reactor<boxed_storage>>);
  STATIC_REQUIRE( runtime::reactor<labelled>);
  STATIC_REQUIRE( spawning_task<t>);
  STATIC_REQUIRE( remote_waking_task<t>);
  STATIC_REQUIRE( timer_task<t>);
  STATIC_REQUIRE( ui_task<t>);
  STATIC_REQUIRE(!io_task<t>);
  STATIC_REQUIRE( std::same_as<labelled::task_type::ui_state_type, label_state>);
  // clang-format on
}

TEST_CASE("a future sets the GLib reactor's UI state after a timer, through its task",
          "[ui_invoke][glib_reactor]") {
  labelled r;
  auto f = sleep_for(10ms) | and_then([](unit) {
             return with_ui_state<label_state>([](label_state& s) {
               s.text = "done";
               return s.text.size();
             });
           });
  const auto start = timer_clock::now();
  CHECK(r.block_on(std::move(f)).get_value() == 4);
  CHECK(timer_clock::now() - start >= 10ms);
  CHECK(r.get_ui_state().text == "done");
}

TEST_CASE("block_on on the private context reports a stall, and waits while a handle exists",
          "[ui_invoke][glib_reactor][threads]") {
  ui_invoke::glib_reactor r;
  CHECK_THROWS_AS(r.block_on(test::never_ready<int>{}), runtime::stalled);
  test::manual_event done;
  std::thread worker([h = r.get_ui_handle(), &done] {
    std::this_thread::sleep_for(20ms);
    REQUIRE_FALSE(h.post([&done] { done.set(); }));
  });
  CHECK(r.block_on(done.wait()).is_ready());
  worker.join();
}
