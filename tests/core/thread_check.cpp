// The owner-thread checks (core/thread_check.hpp): what is checked where, and that the switch
// does not change a layout. The aborting cases themselves run as separate processes
// (tests/misuse/death/misuse_death.cpp; ctest requires each message).
#include <gentask/core/thread_check.hpp>
#include <gentask/futures/ready.hpp>
#include <gentask/reactors/local/reactor.hpp>
#include <gentask/sync/mutex.hpp>

#include <catch2/catch.hpp>

#include <cstddef>
#include <thread>

namespace gentask::test {
extern std::size_t unchecked_layout_sizes[5];
}  // namespace gentask::test

using namespace gentask;

TEST_CASE("the owner-thread switch leaves every layout as it is", "[misuse][threads_checks]") {
  STATIC_REQUIRE(thread_checks_enabled);  // this file: the checks on
  const std::size_t checked[] = {sizeof(reactor_anchor), sizeof(join_handle<int, never>),
                                 sizeof(semaphore), sizeof(async_mutex<int>),
                                 sizeof(local::reactor)};
  for (std::size_t i = 0; i < 5; ++i) CHECK(checked[i] == test::unchecked_layout_sizes[i]);
}

TEST_CASE("a reactor's anchor records the thread that made the reactor",
          "[misuse][threads_checks]") {
  local::reactor r;
  auto h = r.spawn(ready(1));
  r.run_until_idle();
  CHECK(r.block_on(std::move(h)).get_value() == 1);  // on its own thread: no check fires
  std::thread([] {
    local::reactor elsewhere;  // a reactor made on another thread owns that thread
    auto h2 = elsewhere.spawn(ready(2));
    CHECK(elsewhere.block_on(std::move(h2)).get_value() == 2);
  }).join();
}

TEST_CASE("a mutex made on one thread may be used from one reactor's thread",
          "[misuse][threads_checks]") {
  async_mutex<int> m(0);  // made here, bound to the thread of its first lock
  std::thread([&] {
    local::reactor r;
    auto g = r.block_on(m.lock()).get_value();
    *g += 1;
  }).join();
  SUCCEED();
}
