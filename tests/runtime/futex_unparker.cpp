// `runtime::futex_unparker` (futex_unparker.hpp). The unparker contract it shares with the other
// unparkers (park and unpark through the inbox, on one thread and across threads, and the local
// reactor parked on it) is tested once for all of them, in unparker.cpp.
#include <gentask/runtime/futex_unparker.hpp>

#include <catch2/catch.hpp>

using namespace gentask;

TEST_CASE("futex_unparker models unparker", "[runtime][futex_unparker][concepts]") {
  STATIC_REQUIRE(runtime::unparker<runtime::futex_unparker>);
}
