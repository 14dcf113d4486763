#include <gentask/runtime/stalled.hpp>

#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>
#include <type_traits>

using namespace gentask;

TEST_CASE("runtime::stalled is a runtime_error that names the call that stalled",
          "[runtime][stalled]") {
  STATIC_REQUIRE(std::is_base_of_v<std::runtime_error, runtime::stalled>);
  const runtime::stalled e("some::reactor::block_on");
  const std::string what = e.what();
  CHECK(what.rfind("some::reactor::block_on: ", 0) == 0);
  CHECK(what.find("nothing can wake it") != std::string::npos);
}
