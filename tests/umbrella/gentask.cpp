// The umbrella header alone gives the whole library: a tree of futures, a stream, a channel
// and the storage policies compile and run from it, on the test kit's task.
#include <gentask/gentask.hpp>

#include "support/noop_task.hpp"

#include <catch2/catch.hpp>

#include <utility>
#include <vector>

using namespace gentask;

TEST_CASE("gentask.hpp alone gives futures, streams, channels, storage and the kit", "[umbrella]") {
  test::noop_task task;
  auto f = ready(20) | and_then([](int x) { return join(ready(x), ready(1)); }) |
           map([](auto both) { return 2 * (std::get<0>(both) + std::get<1>(both)); });
  CHECK(f.poll(task).get_value() == 42);
  auto s = streams::iter(std::vector<int>{1, 2, 3}) |
           streams::fold(0, [](int a, int b) { return a + b; });
  CHECK(s.poll(task).get_value() == 6);
  auto [tx, rx] = oneshot::channel<int>();
  STATIC_REQUIRE(future<decltype(rx)>);
  STATIC_REQUIRE(runtime::task_store<open_map_storage::store<test::noop_task>, test::noop_task>);
  STATIC_REQUIRE(runtime::unparker<runtime::condvar_unparker>);
}
