#include <gentask/runtime/remote_handle.hpp>

#include <gentask/storage/open_group_map.hpp>

#include <gentask/futures/ready.hpp>

#include "runtime/bare_reactor.hpp"
#include "support/leaf_futures.hpp"
#include "support/noop_task.hpp"

#include <catch2/catch.hpp>

#include <optional>
#include <thread>
#include <type_traits>

using namespace gentask;
using namespace gentask::test;

// The handle on its own; remote spawns on every reactor are in
// tests/conformance/remote_join_handle.cpp.

TEST_CASE("a remote handle is copyable and holds the inbox, not the scheduler",
          "[runtime][remote_handle]") {
  using handle = bare_scheduler<open_map_storage>::remote_handle;
  STATIC_REQUIRE(std::is_copy_constructible_v<handle>);
  STATIC_REQUIRE(std::is_copy_assignable_v<handle>);
  STATIC_REQUIRE(sizeof(handle) == sizeof(void*));
  std::optional<handle> kept;
  {
    bare_scheduler<open_map_storage> s("bare");
    const auto before = s.get_inbox().get_reference_count();
    handle a = s.get_remote_handle();
    handle b = a;
    b = a;
    CHECK(s.get_inbox().get_reference_count() == before + 2);
    kept.emplace(b);
  }
  probe_record record;
  auto r = kept->spawn(probe<int>(record, ready_value{1}));
  CHECK_FALSE(r.is_spawned());  // the scheduler is gone: the future comes back
}

TEST_CASE("a remote spawn from another thread reaches the scheduler's thread through its inbox",
          "[runtime][remote_handle][threads]") {
  bare_scheduler<open_map_storage> s("bare");
  auto remote = s.get_remote_handle();
  std::optional<remote_join_handle<int, never>> h;
  std::thread other([&] { h.emplace(remote.spawn(ready(9)).get_handle()); });
  other.join();
  CHECK(s.get_task_count() == 0);  // not yet: it waits in the inbox
  CHECK(s.drain_remote());
  CHECK(s.get_task_count() == 1);
  CHECK(s.run_batch() == 1);
  noop_task joiner;
  auto r = h->poll(joiner);
  REQUIRE(r.is_ready());
  CHECK(r.get_value() == 9);
}
