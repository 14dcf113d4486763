// The local reactor's umbrella gives the library and the reactor.
#include <gentask/reactors/local.hpp>

#include <catch2/catch.hpp>

using namespace gentask;

TEST_CASE("reactors/local.hpp alone gives the library and local::block_on", "[umbrella][local]") {
  auto f = lazy([] { return 20; }) | and_then([](int x) { return join(ready(x), ready(1)); }) |
           map([](auto both) { return 2 * (std::get<0>(both) + std::get<1>(both)); });
  CHECK(local::block_on(std::move(f)).get_value() == 42);
  STATIC_REQUIRE(runtime::reactor<local::reactor>);
}
