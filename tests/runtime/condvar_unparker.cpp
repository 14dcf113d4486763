// `runtime::condvar_unparker` (condvar_unparker.hpp). The unparker contract it shares with the
// other unparkers (park and unpark through the inbox, on one thread and across threads, and the
// local reactor parked on it) is tested once for all of them, in unparker.cpp.
#include <gentask/runtime/condvar_unparker.hpp>

#include <catch2/catch.hpp>

using namespace gentask;

TEST_CASE("condvar_unparker models unparker", "[runtime][condvar_unparker][concepts]") {
  STATIC_REQUIRE(runtime::unparker<runtime::condvar_unparker>);
}
