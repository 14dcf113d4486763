// Conformance (every reactor, on every storage policy; see conformance.hpp): spawning from
// the reactor, from inside tasks and from the root, and what each spawn allocates.
#include <gentask/spawn/spawn.hpp>

#include <gentask/core/pollable.hpp>
#include <gentask/core/task.hpp>
#include <gentask/core/task_archetypes.hpp>
#include <gentask/spawn/join_handle.hpp>
#include <gentask/storage/boxed_task_store.hpp>
#include <gentask/storage/closed_group_map.hpp>
#include <gentask/storage/open_group_map.hpp>

#include "conformance/conformance.hpp"
#include "spawn/spawn_fixtures.hpp"
#include "support/alloc_counter.hpp"
#include "support/counting_task.hpp"
#include "support/leaf_futures.hpp"
#include "support/manual_timer.hpp"
#include "support/noop_task.hpp"

#include <catch2/catch.hpp>

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

using namespace gentask;
using namespace gentask::test;
using spawn_tests::allocations_per_round;
using spawn_tests::closed_policy;
using spawn_tests::handle_slot;
using spawn_tests::keep_waker;
using spawn_tests::scripted;
using spawn_tests::spawn_via;
using spawn_tests::spawner;

namespace {

template <class Policy>
using reactor_task = typename conformance::reactor_under_test<Policy>::task_type;

namespace arch = gentask::archetypes;

}  // namespace

// ---------------------------------------------------------------------------------------------
// The concept.

TEST_CASE("spawning_task holds for the spawning archetypes", "[spawn][spawning_task]") {
  STATIC_REQUIRE(spawning_task<arch::spawning_task>);
  STATIC_REQUIRE(spawning_task<arch::full_task>);
  STATIC_REQUIRE(spawning_task<arch::task_with<capability::spawn | capability::timer>>);
}

TEMPLATE_LIST_TEST_CASE(
    "the reactor's task can spawn on every storage policy, so a future that spawns is pollable",
    "[spawn][spawning_task]", conformance::reactors<closed_policy>) {
  using task_type = typename TestType::task_type;
  STATIC_REQUIRE(spawning_task<task_type>);
  STATIC_REQUIRE(remote_waking_task<task_type>);
  STATIC_REQUIRE(pollable<needs_spawn, task_type>);
  STATIC_REQUIRE(pollable<spawner, task_type>);
}

TEST_CASE("spawning_task does not hold for the other archetypes or the test kit's tasks",
          "[spawn][spawning_task]") {
  STATIC_REQUIRE_FALSE(spawning_task<arch::task>);
  STATIC_REQUIRE_FALSE(spawning_task<arch::remote_waking_task>);
  STATIC_REQUIRE_FALSE(spawning_task<arch::io_task>);
  STATIC_REQUIRE_FALSE(spawning_task<arch::timer_task>);
  STATIC_REQUIRE_FALSE(spawning_task<arch::ui_task>);
  STATIC_REQUIRE_FALSE(spawning_task<arch::task_with<without(capability::all, capability::spawn)>>);

  STATIC_REQUIRE_FALSE(spawning_task<counting_task>);
  STATIC_REQUIRE_FALSE(spawning_task<noop_task>);
  STATIC_REQUIRE_FALSE(spawning_task<manual_timer_task>);
}

TEST_CASE("spawn returns the join handle of the spawned future's item and error",
          "[spawn][spawning_task]") {
  STATIC_REQUIRE(std::is_same_v<decltype(gentask::spawn(
                                    std::declval<reactor_task<gentask::open_map_storage>&>(),
                                    std::declval<probe<int, std::string>>())),
                                join_handle<int, std::string>>);
  STATIC_REQUIRE(
      std::is_same_v<decltype(gentask::spawn(std::declval<reactor_task<closed_policy>&>(),
                                             std::declval<probe<int>>())),
                     join_handle<int, never>>);
  STATIC_REQUIRE(std::is_same_v<decltype(gentask::spawn(std::declval<arch::spawning_task&>(),
                                                        std::declval<probe<int, std::string>>())),
                                arch::join_handle_archetype<int, std::string>>);
  STATIC_REQUIRE(future<join_handle<int, std::string>>);
  STATIC_REQUIRE(
      std::is_same_v<error_type_t<join_handle<int, std::string>>, join_error<std::string>>);
}

TEST_CASE("a future that spawns is pollable only on spawning tasks", "[spawn][spawning_task]") {
  STATIC_REQUIRE(pollable<spawner, arch::spawning_task>);
  STATIC_REQUIRE_FALSE(pollable<needs_spawn, counting_task>);
  STATIC_REQUIRE_FALSE(pollable<spawner, counting_task>);
  STATIC_REQUIRE_FALSE(pollable<spawner, arch::remote_waking_task>);
}

// ---------------------------------------------------------------------------------------------
// Spawning from inside a poll.

TEMPLATE_LIST_TEST_CASE("a task spawns and joins a child through gentask::spawn or task.spawn",
                        "[spawn]", conformance::reactors<closed_policy>) {
  counting_task joiner;
  TestType reactor;
  probe_record record;
  probe_record child_record;
  const spawn_via via = GENERATE(spawn_via::free_function, spawn_via::member);
  auto handle = reactor.spawn(spawner(record, child_record, via, 4));
  CHECK(reactor.get_task_count() == 1);
  // The parent spawns and waits; the child runs twice and wakes the parent, which completes.
  CHECK(reactor.run_until_idle() == 4);
  CHECK(record.polls == 2);
  CHECK(child_record.polls == 2);
  CHECK(child_record.destroyed == 1);
  CHECK(record.destroyed == 1);
  auto r = handle.poll(joiner);
  REQUIRE(r.is_ready());
  CHECK(r.get_value() == 40);
  CHECK(reactor.get_task_count() == 0);
}

TEMPLATE_LIST_TEST_CASE("the root future of block_on spawns and joins a child", "[spawn]",
                        conformance::reactors<closed_policy>) {
  TestType reactor;
  probe_record record;
  probe_record child_record;
  const auto before = reactor.get_poll_count();
  auto r = reactor.block_on(spawner(record, child_record, spawn_via::free_function, 6));
  REQUIRE(r.is_ready());
  CHECK(r.get_value() == 60);
  CHECK(record.polls == 2);
  CHECK(child_record.polls == 2);
  CHECK(reactor.get_poll_count() - before == 4);
  CHECK(reactor.get_task_count() == 0);
}

TEMPLATE_LIST_TEST_CASE(
    "canceling a task that spawned a child cancels the child through its handle", "[spawn][cancel]",
    conformance::reactors<closed_policy>) {
  TestType reactor;
  probe_record record;
  probe_record child_record;
  probe_record sibling_record;
  handle_slot parent(reactor.spawn(spawner(record, child_record, spawn_via::member, 1)));
  std::size_t child_destroyed_seen = 99;
  // Polled after the parent, which has queued its child behind this sibling by then.
  auto sibling = reactor.spawn(
      scripted(sibling_record, [&](std::size_t, const waker&) -> poll_result<int, never> {
        parent.reset();
        child_destroyed_seen = child_record.destroyed;
        return ready_value{0};
      }));
  CHECK(reactor.run_until_idle() == 2);  // the parent and the sibling; never the child
  CHECK(child_destroyed_seen == 1);
  CHECK(record.polls == 1);
  CHECK(record.destroyed == 1);
  CHECK(child_record.polls == 0);
  CHECK(child_record.destroyed == 1);
  sibling = join_handle<int, never>();
  CHECK(reactor.get_task_count() == 0);
}

// ---------------------------------------------------------------------------------------------
// Spawning from destructors.

TEMPLATE_LIST_TEST_CASE("a task being canceled can spawn from its future's destructor",
                        "[spawn][cancel]", conformance::reactors<closed_policy>) {
  counting_task joiner;
  TestType reactor;
  probe_record record;
  probe_record child_record;
  probe_record sibling_record;
  handle_slot spawned;
  handle_slot parent;
  auto spawn_child = [&] {
    spawned.emplace(reactor.spawn(probe<int>(child_record, ready_value{9})));
  };

  SECTION("canceled while it waits") {
    auto kept = std::make_shared<waker>();
    parent.emplace(reactor.spawn(scripted(record, keep_waker(kept), spawn_child)));
    CHECK(reactor.run_until_idle() == 1);
    parent.reset();
    CHECK(record.destroyed == 1);
    CHECK(spawned.has_value());
    CHECK(reactor.run_until_idle() == 1);  // the child
  }
  SECTION("canceled inside its own poll") {
    parent.emplace(reactor.spawn(scripted(
        record,
        [&](std::size_t, const waker& w) -> poll_result<int, never> {
          w.wake();
          parent.reset();
          return pending;
        },
        spawn_child)));
    CHECK(reactor.run_until_idle() == 2);  // the parent once, then the child it spawned
  }
  SECTION("canceled during a sibling's poll") {
    auto kept = std::make_shared<waker>();
    parent.emplace(reactor.spawn(scripted(record, keep_waker(kept), spawn_child)));
    auto sibling = reactor.spawn(
        scripted(sibling_record, [&](std::size_t, const waker&) -> poll_result<int, never> {
          parent.reset();
          return ready_value{0};
        }));
    CHECK(reactor.run_until_idle() == 3);  // the parent, the sibling, the child
  }
  CHECK(record.polls == 1);
  CHECK(record.destroyed == 1);
  REQUIRE(spawned.has_value());
  CHECK(child_record.polls == 1);
  auto r = spawned->poll(joiner);
  REQUIRE(r.is_ready());
  CHECK(r.get_value() == 9);
  CHECK(child_record.destroyed == 1);
}

TEMPLATE_LIST_TEST_CASE(
    "a spawn from a destructor at reactor shutdown is refused and its handle yields "
    "canceled",
    "[spawn][reactor][shutdown]", conformance::reactors<closed_policy>) {
  counting_task joiner;
  probe_record record;
  probe_record detached_record;
  probe_record child_record;
  probe_record other_child_record;
  handle_slot kept_handle;
  handle_slot refused;
  std::size_t child_destroyed_at_spawn = 99;
  bool refused_yields_canceled = false;
  {
    TestType reactor;
    auto spawn_child = [&] {
      join_handle<int, never> h = reactor.spawn(probe<int>(child_record, ready_value{9}));
      child_destroyed_at_spawn = child_record.destroyed;
      auto r = h.poll(joiner);
      refused_yields_canceled = r.is_failed() && r.get_error().is_canceled();
    };
    auto keep_a = std::make_shared<waker>();
    auto keep_b = std::make_shared<waker>();
    kept_handle.emplace(reactor.spawn(scripted(record, keep_waker(keep_a), spawn_child)));
    reactor.spawn_detached(scripted(detached_record, keep_waker(keep_b), [&] {
      refused.emplace(reactor.spawn(probe<int>(other_child_record, ready_value{9})));
    }));
    CHECK(reactor.run_until_idle() == 2);
    CHECK(record.destroyed == 0);
    CHECK(child_record.destroyed == 0);
  }
  CHECK(record.destroyed == 1);
  CHECK(detached_record.destroyed == 1);
  CHECK(child_destroyed_at_spawn == 1);  // the refused future is destroyed at once
  CHECK(refused_yields_canceled);
  CHECK(child_record.destroyed == 1);
  CHECK(child_record.polls == 0);
  CHECK(other_child_record.destroyed == 1);
  CHECK(other_child_record.polls == 0);
  REQUIRE(refused.has_value());
  auto r = refused->poll(joiner);
  CHECK((r.is_failed() && r.get_error().is_canceled()));
  auto k = kept_handle->poll(joiner);
  CHECK((k.is_failed() && k.get_error().is_canceled()));
  CHECK(joiner.get_live_handles() == 0);
}

// ---------------------------------------------------------------------------------------------
// Allocations.

TEMPLATE_LIST_TEST_CASE(
    "spawn then complete then join allocates nothing per task in steady state "
    "except one block per task when boxed",
    "[spawn][allocations]", conformance::reactors<closed_policy>) {
  counting_task joiner;
  TestType reactor;
  probe_record record;
  // One task at a time: spawn, poll the handle while pending (a foreign registration), run it
  // (two self-wakes), take the result.
  auto round = [&] {
    auto h = reactor.spawn(probe<int>(record, ready_value{1}, 2));
    const bool was_pending = h.poll(joiner).is_pending();
    const std::size_t polls = reactor.run_until_idle();
    auto r = h.poll(joiner);
    return was_pending && polls == 3 && r.is_ready() && r.get_value() == 1;
  };
  REQUIRE(round());  // warm-up: the group, its first chunk, the joiner table
  constexpr int rounds = 100;
  int good = 0;
  std::size_t allocations = 0;
  {
    allocation_counter counter;
    for (int i = 0; i < rounds; ++i) good += round() ? 1 : 0;
    allocations = counter.get_count();
  }
  CHECK(good == rounds);
  CHECK(allocations == rounds * allocations_per_round<typename TestType::storage_policy_type>(1));
  CHECK(record.polls == 3 * (rounds + 1));
  CHECK(joiner.get_wake_count() == rounds + 1);
  CHECK(reactor.get_task_count() == 0);
}

TEMPLATE_LIST_TEST_CASE(
    "spawning many live tasks at once allocates one block per task when boxed and "
    "nothing on the maps",
    "[spawn][allocations]", conformance::reactors<closed_policy>) {
  constexpr std::size_t live = 64;
  counting_task joiner;
  TestType reactor;
  probe_record record;
  std::vector<join_handle<int, never>> handles;
  handles.reserve(live);
  auto round = [&] {
    for (std::size_t i = 0; i < live; ++i) {
      handles.push_back(reactor.spawn(probe<int>(record, ready_value{static_cast<int>(i)}, 1)));
    }
    bool ok = reactor.run_until_idle() == 2 * live;
    for (std::size_t i = 0; i < live; ++i) {
      auto r = handles[i].poll(joiner);
      ok = ok && r.is_ready() && r.get_value() == static_cast<int>(i);
    }
    handles.clear();
    return ok;
  };
  REQUIRE(round());  // warm-up with as many live tasks
  std::size_t allocations = 0;
  bool ok = false;
  {
    allocation_counter counter;
    ok = round();
    allocations = counter.get_count();
  }
  CHECK(ok);
  // boxed: one block each; boxed_recycling: the one cached block serves the first only.
  CHECK(allocations == allocations_per_round<typename TestType::storage_policy_type>(live));
  CHECK(reactor.get_task_count() == 0);
}

// Library bug (performance): boxed_task_store::spawn grows its slot table with
// `slots_.reserve(slots_.size() + 1)`, which reallocates it on every new slot (libstdc++ reserves
// exactly): spawning n tasks on a fresh boxed reactor costs 2n allocations and O(n^2) copying
// instead of n blocks plus O(log n) table growth.
TEMPLATE_LIST_TEST_CASE("spawning many tasks on a fresh reactor allocates the task table amortized",
                        "[spawn][allocations]", conformance::reactors<closed_policy>) {
  constexpr std::size_t n = 1024;
  TestType reactor;
  probe_record record;
  std::vector<join_handle<int, never>> handles;
  handles.reserve(n);
  std::size_t allocations = 0;
  {
    allocation_counter counter;
    for (std::size_t i = 0; i < n; ++i) {
      handles.push_back(reactor.spawn(probe<int>(record, ready_value{1})));
    }
    allocations = counter.get_count();
  }
  constexpr bool boxed_store =
      std::is_same_v<typename TestType::storage_policy_type, gentask::boxed_storage> ||
      std::is_same_v<typename TestType::storage_policy_type, gentask::boxed_recycling_storage>;
  const std::size_t blocks = boxed_store ? n : 0;
  CHECK(allocations >= blocks);
  CHECK(allocations <= blocks + 48);  // plus chunks and tables grown geometrically
  CHECK(reactor.get_task_count() == n);
  handles.clear();
  CHECK(record.destroyed == n);
}
