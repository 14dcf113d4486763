// Conformance: what every reactor does, on every storage policy (TestType is the reactor; see
// conformance.hpp). Tests that spawn lambdas' types run on the policies that accept any root
// type; the closed map runs the rest.

#include <gentask/runtime/reactor.hpp>
#include <gentask/runtime/stalled.hpp>

#include <gentask/core/budget.hpp>
#include <gentask/futures/and_then.hpp>
#include <gentask/futures/failed.hpp>
#include <gentask/futures/join.hpp>
#include <gentask/futures/lazy.hpp>
#include <gentask/futures/map.hpp>
#include <gentask/futures/ready.hpp>
#include <gentask/time/sleep.hpp>

#include <gentask/storage/boxed_task_store.hpp>
#include <gentask/storage/closed_group_map.hpp>
#include <gentask/storage/open_group_map.hpp>

#include "conformance/conformance.hpp"
#include "spawn/spawn_fixtures.hpp"
#include "support/alloc_counter.hpp"
#include "support/counted.hpp"
#include "support/counting_task.hpp"
#include "support/leaf_futures.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

using namespace gentask;
using namespace gentask::test;
using spawn_tests::closed_policy;
using spawn_tests::keep_waker;
using spawn_tests::scripted;

namespace {

/// Wakes its task `n` times from inside one poll, then is pending until polled again.
struct multi_wake {
  using future_concept = future_tag;
  using item_type = int;
  using error_type = never;
  int wakes;
  bool woke = false;
  template <task Task>
  poll_result<int, never> poll(Task& task) {
    if (woke) return ready_value{wakes};
    woke = true;
    for (int i = 0; i < wakes; ++i) task.get_waker().wake();
    return pending;
  }
};

/// Hands its task's wake handle out (to test stale and late wakes), then completes.
struct leak_waker {
  using future_concept = future_tag;
  using item_type = unit;
  using error_type = never;
  std::shared_ptr<waker> out;
  template <task Task>
  poll_result<unit, never> poll(Task& task) {
    *out = task.get_waker();
    return ready_value{};
  }
};

/// Pending until its shared flag is set; records its polls.
struct flag_future {
  using future_concept = future_tag;
  using item_type = unit;
  using error_type = never;
  std::shared_ptr<bool> flag;
  std::shared_ptr<int> polls;
  std::shared_ptr<waker> out;
  template <task Task>
  poll_result<unit, never> poll(Task& task) {
    ++*polls;
    if (*flag) return ready_value{};
    *out = task.get_waker();
    return pending;
  }
};

struct remote_self_wake {
  using future_concept = future_tag;
  using item_type = int;
  using error_type = never;
  int polls = 0;
  template <remote_waking_task Task>
  poll_result<int, never> poll(Task& task) {
    if (++polls == 1) {
      task.get_remote_waker().wake();
      return pending;
    }
    return ready_value{polls};
  }
};

template <class Reactor>
struct spawns_on_drop {
  using future_concept = future_tag;
  using item_type = unit;
  using error_type = never;
  Reactor* reactor;
  int* attempts;
  counted keep;
  spawns_on_drop(Reactor* r, int* a, counted c) : reactor(r), attempts(a), keep(std::move(c)) {}
  spawns_on_drop(spawns_on_drop&& other) noexcept
      : reactor(std::exchange(other.reactor, nullptr)),
        attempts(other.attempts),
        keep(std::move(other.keep)) {}
  ~spawns_on_drop() {
    if (reactor != nullptr) {
      ++*attempts;
      reactor->spawn_detached(never_ready<unit>{});
    }
  }
  template <task Task>
  poll_result<unit, never> poll(Task&) {
    return pending;
  }
};
struct grab {
  using future_concept = future_tag;
  using item_type = unit;
  using error_type = never;
  waker* l;
  remote_waker* r;
  template <remote_waking_task Task>
  poll_result<unit, never> poll(Task& task) {
    *l = task.get_waker();
    *r = task.get_remote_waker();
    return ready_value{};
  }
};

struct spend {
  using future_concept = future_tag;
  using item_type = int;
  using error_type = never;
  std::shared_ptr<std::vector<bool>> grants;
  int ticks = 0;
  template <budgeted_task Task>
  poll_result<int, never> poll(Task& task) {
    ++ticks;
    for (int i = 0; i < 4; ++i) grants->push_back(poll_proceed(task));
    if (ticks < 2) return pending;  // poll_proceed woke the task when it refused
    return ready_value{ticks};
  }
};

struct no_block_on {
  using task_type = conformance::reactor_under_test<open_map_storage>::task_type;
  no_block_on() = default;
  no_block_on(const no_block_on&) = delete;
  std::size_t run_until_idle();
};

}  // namespace

TEMPLATE_LIST_TEST_CASE("the reactor models runtime::reactor on every storage policy",
                        "[conformance][reactor][concepts]", conformance::reactors<closed_policy>) {
  STATIC_REQUIRE(runtime::reactor<TestType>);
  STATIC_REQUIRE(spawning_task<typename TestType::task_type>);
  STATIC_REQUIRE(remote_waking_task<typename TestType::task_type>);
  STATIC_REQUIRE_FALSE(std::is_copy_constructible_v<TestType>);
}

TEST_CASE("runtime::reactor does not hold for tasks, stores or half a reactor",
          "[conformance][reactor][concepts]") {
  STATIC_REQUIRE_FALSE(runtime::reactor<no_block_on>);
  STATIC_REQUIRE_FALSE(
      runtime::reactor<conformance::reactor_under_test<open_map_storage>::task_type>);
  STATIC_REQUIRE_FALSE(runtime::reactor<open_group_map<counting_task>>);
  STATIC_REQUIRE_FALSE(runtime::reactor<int>);
}

TEMPLATE_LIST_TEST_CASE("block_on drives a combinator tree to its value", "[conformance][reactor]",
                        conformance::any_root_reactors) {
  TestType reactor;
  auto r = reactor.block_on(join(yield_now(1), yield_now(2)) | and_then([](auto t) {
                              return yield_now(std::get<0>(t) + std::get<1>(t));
                            }));
  CHECK(r.get_value() == 3);
  auto e = reactor.block_on(failed<int>(std::string("err")));
  CHECK(e.get_error() == "err");
}

TEMPLATE_LIST_TEST_CASE("a wake during poll makes the reactor poll again", "[conformance][reactor]",
                        conformance::any_root_reactors) {
  TestType reactor;
  const auto before = reactor.get_poll_count();
  CHECK(reactor.block_on(yield_now(7)).get_value() == 7);
  CHECK(reactor.get_poll_count() - before == 2);
}

TEMPLATE_LIST_TEST_CASE("several wakes before a poll coalesce into one poll",
                        "[conformance][reactor]", conformance::any_root_reactors) {
  TestType reactor;
  const auto before = reactor.get_poll_count();
  CHECK(reactor.block_on(multi_wake{5}).get_value() == 5);
  CHECK(reactor.get_poll_count() - before == 2);

  auto polls = std::make_shared<int>(0);
  reactor.spawn_detached(multi_wake{3} | gentask::map([polls](int) { ++*polls; }));
  CHECK(reactor.run_until_idle() == 2);
  CHECK(*polls == 1);
}

TEMPLATE_LIST_TEST_CASE("detached tasks run to completion beside block_on and in run_until_idle",
                        "[conformance][reactor]", conformance::any_root_reactors) {
  TestType reactor;
  std::vector<int> order;
  for (int i = 0; i < 3; ++i) {
    reactor.spawn_detached(yield_now(i) | gentask::map([&order](int x) { order.push_back(x); }));
  }
  CHECK(reactor.get_task_count() == 3);
  CHECK(reactor.block_on(yield_now(0) | and_then([](int) { return yield_now(0); })).is_ready());
  CHECK(order == std::vector<int>{0, 1, 2});
  CHECK(reactor.get_task_count() == 0);
  CHECK(reactor.run_until_idle() == 0);
}

TEMPLATE_LIST_TEST_CASE("a pending task is polled only when woken", "[conformance][reactor]",
                        conformance::any_root_reactors) {
  TestType reactor;
  auto flag = std::make_shared<bool>(false);
  auto polls = std::make_shared<int>(0);
  auto handle = std::make_shared<waker>();
  reactor.spawn_detached(flag_future{flag, polls, handle});
  reactor.run_until_idle();
  reactor.run_until_idle();
  CHECK(*polls == 1);
  handle->wake();  // spurious: the flag is still false
  reactor.run_until_idle();
  CHECK(*polls == 2);
  *flag = true;
  handle->wake();
  reactor.run_until_idle();
  CHECK(*polls == 3);
  CHECK(reactor.get_task_count() == 0);
}

TEMPLATE_LIST_TEST_CASE(
    "a wake after the task completed does nothing, even once its slot is reused",
    "[conformance][reactor]", conformance::any_root_reactors) {
  TestType reactor;
  auto stale = std::make_shared<waker>();
  reactor.spawn_detached(leak_waker{stale});
  reactor.run_until_idle();
  CHECK(reactor.get_task_count() == 0);

  auto flag = std::make_shared<bool>(false);
  auto polls = std::make_shared<int>(0);
  auto fresh = std::make_shared<waker>();
  reactor.spawn_detached(flag_future{flag, polls, fresh});  // reuses the slot
  reactor.run_until_idle();
  CHECK(*polls == 1);
  CHECK_FALSE(stale->will_wake(*fresh));  // same slot, other generation
  stale->wake();
  CHECK(reactor.run_until_idle() == 0);
  CHECK(*polls == 1);
  *flag = true;
  fresh->wake();
  reactor.run_until_idle();
}

TEMPLATE_LIST_TEST_CASE("handles outlive the reactor and then wake nothing",
                        "[conformance][reactor]", conformance::any_root_reactors) {
  waker local;
  remote_waker remote;
  auto flag = std::make_shared<bool>(false);
  auto polls = std::make_shared<int>(0);
  auto handle = std::make_shared<waker>();
  {
    TestType reactor;
    reactor.spawn_detached(flag_future{flag, polls, handle});
    reactor.run_until_idle();
    (void)reactor.block_on(grab{&local, &remote});
  }  // the pending task is destroyed here, on this thread
  local.wake();
  remote.wake();
  handle->wake();
  CHECK(*polls == 1);
}

TEMPLATE_LIST_TEST_CASE("a remote_waker woken on the reactor thread wakes the task",
                        "[conformance][reactor]", conformance::any_root_reactors) {
  TestType reactor;
  CHECK(reactor.block_on(remote_self_wake{}).get_value() == 2);
}

TEMPLATE_LIST_TEST_CASE("block_on throws stalled when nothing could wake its future",
                        "[conformance][reactor]", conformance::any_root_reactors) {
  TestType reactor;
  CHECK_THROWS_AS(reactor.block_on(never_ready<int>{}), runtime::stalled);
  // The reactor is still usable afterwards.
  CHECK(reactor.block_on(yield_now(1)).get_value() == 1);
}

TEMPLATE_LIST_TEST_CASE("block_on is not reentrant", "[conformance][reactor]",
                        conformance::any_root_reactors) {
  TestType reactor;
  auto nested = lazy([&reactor] { return reactor.block_on(ready(1)).get_value(); });
  CHECK_THROWS_AS(reactor.block_on(std::move(nested)), std::logic_error);
  CHECK(reactor.block_on(ready(2)).get_value() == 2);
}

TEMPLATE_LIST_TEST_CASE("an exception from the root future leaves block_on and the reactor goes on",
                        "[conformance][reactor]", conformance::any_root_reactors) {
  TestType reactor;
  auto throwing =
      yield_now(1) | and_then([](int) -> ready_future<int> { throw std::runtime_error("root"); });
  CHECK_THROWS_AS(reactor.block_on(std::move(throwing)), std::runtime_error);
  CHECK(reactor.block_on(yield_now(3)).get_value() == 3);
}

TEMPLATE_LIST_TEST_CASE(
    "an exception from a detached task destroys it once and the reactor goes on",
    "[conformance][reactor]", conformance::any_root_reactors) {
  TestType reactor;
  probe_record record;
  lifecycle life;
  reactor.spawn_detached(
      probe<int>(record, ready_value{1}, 1) |
      gentask::map([c = counted(life)](int) { throw std::runtime_error("task"); }));
  reactor.spawn_detached(yield_now(2));
  CHECK(reactor.run_until_idle() == 4);
  CHECK(record.destroyed == 1);
  CHECK(life.get_alive() == 0);
  CHECK(reactor.get_task_count() == 0);
  CHECK(reactor.get_unobserved_exception_count() == 1);
}

TEMPLATE_LIST_TEST_CASE(
    "destroying the reactor destroys pending tasks once and refuses spawns from their "
    "destructors",
    "[conformance][reactor]", conformance::any_root_reactors) {
  lifecycle life;
  int spawn_attempts = 0;
  {
    TestType reactor;
    for (int i = 0; i < 3; ++i)
      reactor.spawn_detached(spawns_on_drop<TestType>(&reactor, &spawn_attempts, counted(life)));
    reactor.run_until_idle();
    CHECK(life.get_alive() == 3);
  }
  CHECK(life.get_alive() == 0);
  CHECK(spawn_attempts == 3);
}

// ---------------------------------------------------------------------------------------------
// The same bodies on the closed map too.

TEMPLATE_LIST_TEST_CASE(
    "a waker kept from a completed task wakes nothing once its slot is reused on "
    "every reactor storage policy",
    "[conformance][reactor][spawn]", conformance::reactors<closed_policy>) {
  counting_task joiner;
  TestType reactor;
  probe_record first_record;
  probe_record second_record;
  auto stale = std::make_shared<waker>();
  auto first = reactor.spawn(
      scripted(first_record, [stale](std::size_t, const waker& w) -> poll_result<int, never> {
        *stale = w;
        return ready_value{1};
      }));
  const task_id first_id = first.get_id();
  CHECK(reactor.run_until_idle() == 1);
  CHECK(first.poll(joiner).is_ready());  // taken: the cell is free
  CHECK(reactor.get_task_count() == 0);
  stale->wake();
  CHECK(reactor.run_until_idle() == 0);

  auto fresh = std::make_shared<waker>();
  auto second = reactor.spawn(scripted(second_record, keep_waker(fresh)));
  CHECK(second.get_id().get_slot() == first_id.get_slot());  // the same cell, reused
  CHECK(second.get_id() != first_id);
  CHECK(reactor.run_until_idle() == 1);
  CHECK_FALSE(stale->will_wake(*fresh));
  stale->wake();
  stale->wake();
  CHECK(reactor.run_until_idle() == 0);
  CHECK(second_record.polls == 1);
  CHECK(first_record.polls == 1);
  fresh->wake();
  CHECK(reactor.run_until_idle() == 1);
  CHECK(second_record.polls == 2);
}

TEMPLATE_LIST_TEST_CASE("a wake costs no heap allocation on every reactor storage policy",
                        "[conformance][reactor][spawn][allocations]",
                        conformance::reactors<closed_policy>) {
  TestType reactor;
  probe_record record;
  probe_record self_waking_record;
  auto kept = std::make_shared<waker>();
  auto waiting = reactor.spawn(scripted(record, keep_waker(kept)));
  CHECK(reactor.run_until_idle() == 1);
  auto self_waking = reactor.spawn(probe<int>(self_waking_record, ready_value{1}, 100));
  std::size_t polls = 0;
  std::size_t allocations = 0;
  {
    allocation_counter counter;
    for (int i = 0; i < 100; ++i) {
      kept->wake();  // a wake from outside the task
      polls += reactor.run_until_idle();
    }
    allocations = counter.get_count();
  }
  CHECK(allocations == 0);
  CHECK(polls == 201);  // the waiting task 100 times, the probe 101 times (100 self-wakes)
  CHECK(record.polls == 101);
  CHECK(self_waking_record.polls == 101);
}

// Regression: after_poll once ended with maybe_free(id, h) after destroy_payload had freed the
// cell of a detached task that completed. With the maps that read a chunk that the free may just
// have given back (a use after free under ASan); with the boxed stores it read a freed block, and
// boxed_recycling freed the slot twice (its free list looped on itself).
TEMPLATE_LIST_TEST_CASE(
    "a reactor frees every cell once when a burst of detached tasks spanning "
    "several chunks completes",
    "[conformance][reactor][spawn][detach]", conformance::reactors<closed_policy>) {
  counting_task joiner;
  TestType reactor;
  probe_record record;
  std::size_t per_chunk = 256;
  {
    auto warm = reactor.spawn(probe<int>(record, ready_value{0}));
    CHECK(reactor.run_until_idle() == 1);
    CHECK(warm.poll(joiner).is_ready());
  }
  if constexpr (requires(typename TestType::storage_type & s) {
                  s.template find_group<probe<int>>();
                }) {
    auto* group = reactor.get_storage().template find_group<probe<int>>();
    REQUIRE(group != nullptr);
    per_chunk = group->get_cells_per_chunk();
  }
  // Two full chunks and a few cells: the last task of the second chunk ends when the group uses
  // less than a quarter of its capacity and another chunk is already empty, so that chunk's
  // memory is given back inside the completion of a detached task.
  const std::size_t n = 2 * per_chunk + 8;
  for (std::size_t i = 0; i < n; ++i) reactor.spawn_detached(probe<int>(record, ready_value{1}));
  CHECK(reactor.get_task_count() == n);
  CHECK(reactor.run_until_idle() == n);
  CHECK(record.destroyed == n + 1);
  CHECK(reactor.get_task_count() == 0);

  // The storage is sound afterwards.
  auto a = reactor.spawn(probe<int>(record, ready_value{2}));
  auto b = reactor.spawn(probe<int>(record, ready_value{3}));
  CHECK(a.get_id() != b.get_id());
  CHECK(reactor.run_until_idle() == 2);
  auto ra = a.poll(joiner);
  auto rb = b.poll(joiner);
  CHECK((ra.is_ready() && ra.get_value() == 2));
  CHECK((rb.is_ready() && rb.get_value() == 3));
  CHECK(reactor.get_task_count() == 0);
}

// ---------------------------------------------------------------------------------------------
// Optional capabilities: run where the reactor's task models them.

TEMPLATE_LIST_TEST_CASE(
    "the cooperative budget refuses a leaf after n units per tick and the "
    "task runs on at its next tick",
    "[conformance][reactor][budget]", conformance::any_root_reactors) {
  if constexpr (budgeted_task<typename TestType::task_type>) {
    TestType reactor;
    reactor.set_coop_budget(3U);
    auto grants = std::make_shared<std::vector<bool>>();
    auto r = reactor.block_on(spend{grants});
    CHECK(r.get_value() == 2);
    CHECK(*grants == std::vector<bool>{true, true, true, false, true, true, true, false});
    CHECK_THROWS_AS(reactor.set_coop_budget(0U), std::invalid_argument);
  } else {
    SUCCEED("the reactor's task keeps no budget");
  }
}

TEMPLATE_LIST_TEST_CASE(
    "a sleep whose deadline has passed completes at its first poll, and a "
    "short one completes after its deadline",
    "[conformance][reactor][timer]", conformance::any_root_reactors) {
  if constexpr (timer_task<typename TestType::task_type>) {
    using namespace std::chrono_literals;
    TestType reactor;
    CHECK(reactor.block_on(sleep_for(0ms)).is_ready());
    const auto start = timer_clock::now();
    CHECK(reactor.block_on(sleep_for(2ms)).is_ready());
    CHECK(timer_clock::now() - start >= 2ms);
  } else {
    SUCCEED("the reactor's task has no timer");
  }
}
