#include <gentask/runtime/scheduler.hpp>

#include <gentask/storage/boxed_task_store.hpp>
#include <gentask/storage/closed_group_map.hpp>
#include <gentask/storage/open_group_map.hpp>

#include <gentask/core/budget.hpp>

#include "runtime/bare_reactor.hpp"
#include "support/counted.hpp"
#include "support/counting_task.hpp"
#include "support/leaf_futures.hpp"
#include "support/storage_policies.hpp"

#include <catch2/catch.hpp>

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

// The scheduler on its own: a reactor built from nothing but the kit (bare_reactor.hpp), driven
// by hand. What every reactor does with it is the conformance suite's (tests/conformance/).

using namespace gentask;
using namespace gentask::test;

namespace {

/// The closed map of the concept checks (they spawn nothing).
using closed_policy = closed_map_storage<never_ready<int>>;

/// Records the order of its polls; pending `n` times (waking itself each time), then ready.
struct ordered {
  using future_concept = future_tag;
  using item_type = int;
  using error_type = never;
  std::vector<int>* order;
  int id;
  int left;
  template <task Task>
  poll_result<int, never> poll(Task& task) {
    order->push_back(id);
    if (left-- > 0) {
      task.get_waker().wake();
      return pending;
    }
    return ready_value{id};
  }
};

struct keep_remote {
  using future_concept = future_tag;
  using item_type = int;
  using error_type = never;
  remote_waker* out;
  int polls = 0;
  template <remote_waking_task Task>
  poll_result<int, never> poll(Task& task) {
    if (++polls == 1) {
      *out = task.get_remote_waker();
      return pending;
    }
    return ready_value{polls};
  }
};

struct guarded {
  using future_concept = future_tag;
  using item_type = unit;
  using error_type = never;
  std::shared_ptr<bool> member_alive;
  std::shared_ptr<int> seen;
  guarded(std::shared_ptr<bool> a, std::shared_ptr<int> s)
      : member_alive(std::move(a)), seen(std::move(s)) {}
  guarded(guarded&&) noexcept = default;
  ~guarded() {
    if (seen) *seen += *member_alive ? 1 : 100;
  }
  template <task Task>
  poll_result<unit, never> poll(Task&) {
    return pending;
  }
};

struct reactor_with_member : bare_scheduler<open_map_storage> {
  std::shared_ptr<bool> member = std::make_shared<bool>(true);
  reactor_with_member() : bare_scheduler<open_map_storage>("with_member") {}
  ~reactor_with_member() {
    shutdown();
    *member = false;
  }
};

struct spend {
  using future_concept = future_tag;
  using item_type = unit;
  using error_type = never;
  std::vector<bool>* grants;
  template <budgeted_task Task>
  poll_result<unit, never> poll(Task& task) {
    for (int i = 0; i < 3; ++i) grants->push_back(task.consume_budget());
    return ready_value{};
  }
};

}  // namespace

TEMPLATE_LIST_TEST_CASE("a scheduler's task is the kit's task and models its capabilities",
                        "[runtime][scheduler][concepts]", test::storage_policies<closed_policy>) {
  using task_type = bare_task<TestType>;
  STATIC_REQUIRE(task<task_type>);
  STATIC_REQUIRE(remote_waking_task<task_type>);
  STATIC_REQUIRE(spawning_task<task_type>);
  STATIC_REQUIRE(budgeted_task<task_type>);
  STATIC_REQUIRE_FALSE(timer_task<task_type>);  // the kit has no timer: a reactor adds it
  STATIC_REQUIRE_FALSE(io_task<task_type>);
  STATIC_REQUIRE(std::is_same_v<typename bare_scheduler<TestType>::task_type, task_type>);
}

TEST_CASE("run_batch polls each task that was ready when it began once, in spawn order",
          "[runtime][scheduler]") {
  bare_scheduler<open_map_storage> s("bare");
  std::vector<int> order;
  auto a = s.spawn(ordered{&order, 1, 1});
  auto b = s.spawn(ordered{&order, 2, 0});
  auto c = s.spawn(ordered{&order, 3, 2});
  CHECK(s.has_ready());
  CHECK(s.run_batch() == 3);
  CHECK(order == std::vector<int>{1, 2, 3});  // a and c woke themselves: the next batch
  CHECK(s.run_batch() == 2);
  CHECK(order == std::vector<int>{1, 2, 3, 1, 3});
  CHECK(s.run_batch() == 1);
  CHECK_FALSE(s.has_ready());
  CHECK(s.run_batch() == 0);
  CHECK(s.get_poll_count() == 6);
  counting_task joiner;
  CHECK(a.poll(joiner).get_value() == 1);
  CHECK(b.poll(joiner).get_value() == 2);
  CHECK(c.poll(joiner).get_value() == 3);
  CHECK(s.get_task_count() == 0);
}

TEST_CASE("drain_remote acts on remote wakes and reports whether anything was posted",
          "[runtime][scheduler]") {
  bare_scheduler<open_map_storage> s("bare");
  probe_record record;
  auto kept = std::make_shared<waker>();
  remote_waker remote;
  auto h = s.spawn(keep_remote{&remote});
  CHECK(s.run_batch() == 1);
  CHECK_FALSE(s.drain_remote());  // nothing posted
  remote.wake();
  CHECK_FALSE(s.has_ready());  // not until the inbox is drained
  CHECK(s.drain_remote());
  CHECK(s.has_ready());
  CHECK(s.run_batch() == 1);
  counting_task joiner;
  CHECK(h.poll(joiner).get_value() == 2);
  remote.wake();  // stale: the task is gone
  CHECK(s.drain_remote());
  CHECK_FALSE(s.has_ready());
}

TEST_CASE("shutdown destroys every task once, refuses later spawns and is idempotent",
          "[runtime][scheduler][shutdown]") {
  bare_scheduler<open_map_storage> s("bare");
  probe_record record;
  s.spawn_detached(probe<int>(record, ready_value{1}, 5));
  auto kept = s.spawn(probe<int>(record, ready_value{2}, 5));
  CHECK(s.run_batch() == 2);
  CHECK_FALSE(s.is_closing());
  s.shutdown();
  CHECK(s.is_closing());
  CHECK(record.destroyed == 2);
  CHECK(s.get_task_count() == 0);
  s.shutdown();
  CHECK(record.destroyed == 2);
  auto refused = s.spawn(probe<int>(record, ready_value{3}));
  CHECK(record.destroyed == 3);  // destroyed at once, on this thread
  counting_task joiner;
  auto r = refused.poll(joiner);
  CHECK((r.is_failed() && r.get_error().is_canceled()));
  auto k = kept.poll(joiner);
  CHECK((k.is_failed() && k.get_error().is_canceled()));
  auto remote = s.get_remote_handle().spawn(probe<int>(record, ready_value{4}));
  CHECK_FALSE(remote.is_spawned());  // the inbox is closed: the future comes back
}

TEST_CASE("a reactor member that tasks use outlives them when the reactor shuts down first",
          "[runtime][scheduler][shutdown]") {
  // What local::reactor does with its timer queue: shutdown() in its own destructor, before its
  // members go. A task that touches the member from its destructor sees it alive.
  auto seen = std::make_shared<int>(0);
  {
    reactor_with_member r;
    r.spawn_detached(guarded(r.member, seen));
    CHECK(r.run_batch() == 1);
  }
  CHECK(*seen == 1);
}

TEST_CASE("the cooperative budget is refilled on each task tick and 0 units are refused",
          "[runtime][scheduler][budget]") {
  bare_scheduler<open_map_storage> s("bare");
  CHECK_FALSE(s.get_coop_budget().has_value());
  CHECK(s.consume_budget());  // off: always true
  s.set_coop_budget(2U);
  CHECK(s.get_coop_budget() == 2U);
  CHECK(s.consume_budget());
  CHECK(s.consume_budget());
  CHECK_FALSE(s.consume_budget());
  std::vector<bool> grants;
  s.spawn_detached(spend{&grants});
  CHECK(s.run_batch() == 1);
  CHECK(grants == std::vector<bool>{true, true, false});  // a fresh tick: two units
  CHECK_THROWS_AS(s.set_coop_budget(0U), std::invalid_argument);
  CHECK(s.get_coop_budget() == 2U);  // unchanged
  s.set_coop_budget(std::nullopt);
  CHECK(s.consume_budget());
}

TEST_CASE("check_thread names the scheduler and the call", "[runtime][scheduler][threads]") {
  bare_scheduler<open_map_storage> s("bare");
  CHECK_NOTHROW(s.check_thread("here"));
  std::string message;
  std::thread other([&] {
    try {
      s.check_thread("there");
    } catch (const std::logic_error& e) {
      message = e.what();
    }
  });
  other.join();
  CHECK(message == "bare::there: called off the reactor's thread");
}
