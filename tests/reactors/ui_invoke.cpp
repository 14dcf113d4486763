// The UI-invoke reactor's umbrella gives the library, the reactor, its handle and with_ui_state.
#include <gentask/reactors/ui_invoke.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

using namespace gentask;

TEST_CASE("reactors/ui_invoke.hpp alone gives the library, the reactor and its handle",
          "[umbrella][ui_invoke]") {
  ui_invoke::basic_reactor<open_map_storage, ui_invoke::plain_loop, int> r;
  auto h = r.get_ui_handle();
  std::atomic<int> from_worker{0};
  std::thread worker([&] { from_worker = h.invoke([] { return 5; }); });
  while (from_worker == 0) r.run_until_idle();  // runs the worker's invoke here
  worker.join();
  CHECK(from_worker == 5);
  auto f = lazy([] { return 20; }) | map([](int x) { return x + 1; }) |
           and_then([](int x) { return with_ui_state<int>([x](int& s) { s = x; return x; }); });
  CHECK(r.block_on(std::move(f)).get_value() == 21);
  CHECK(r.get_ui_state() == 21);
  STATIC_REQUIRE(runtime::reactor<ui_invoke::reactor>);
}
