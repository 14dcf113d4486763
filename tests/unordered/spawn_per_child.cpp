// What is specific to spawn_per_child (the proposal's futures_unordered): its capability
// requirement, that children run while the set is not polled, the parent's wakes, allocations,
// and exceptions turned into one child's failed item. The behaviour all four variants share is
// in shared_suite.cpp.
#include <gentask/unordered/spawn_per_child.hpp>

#include <gentask/core/stream.hpp>
#include <gentask/core/task_archetypes.hpp>
#include <gentask/reactors/local/reactor.hpp>
#include <gentask/storage/boxed_task_store.hpp>
#include <gentask/storage/closed_group_map.hpp>
#include <gentask/storage/open_group_map.hpp>

#include "support/alloc_counter.hpp"
#include "support/counting_task.hpp"
#include "support/storage_policies.hpp"
#include "unordered/unordered_fixtures.hpp"

#include <catch2/catch.hpp>

using namespace gentask;
using namespace gentask::test;
using namespace gentask::test::unordered_tests;

using set_type = unordered::spawn_per_child<test_child>;

TEST_CASE("spawn_per_child is a stream pollable only on spawning tasks",
          "[unordered][spawn_per_child][concepts]") {
  STATIC_REQUIRE(stream<set_type>);
  STATIC_REQUIRE(std::is_same_v<futures_unordered<test_child>, set_type>);
  STATIC_REQUIRE(std::is_same_v<item_type_t<set_type>, poll_result<int, join_error<int>>>);
  STATIC_REQUIRE(pollable_stream<set_type, local::reactor::task_type>);
  STATIC_REQUIRE(pollable_stream<set_type, archetypes::task_with<capability::spawn>>);
  STATIC_REQUIRE_FALSE(pollable_stream<set_type, counting_task>);
  STATIC_REQUIRE_FALSE(pollable_stream<set_type, archetypes::task_with<capability::timer>>);
  STATIC_REQUIRE_FALSE(std::is_copy_constructible_v<set_type>);
  STATIC_REQUIRE(std::is_nothrow_move_constructible_v<set_type>);
}

TEST_CASE("spawn_per_child children run before the set is first polled",
          "[unordered][spawn_per_child]") {
  set_harness<spawn_per_child_variant> h;
  h.run();
  auto a = make_child(1);
  auto b = make_child(2, 3);  // wakes itself three times
  a->fired = true;
  h.push(a);
  h.push(b);
  // The parent pushes both in one poll and then polls the set, which has nothing yet.
  h.run();
  CHECK(a->polls == 1);
  CHECK(b->polls == 4);  // re-polled by the reactor after each self-wake
  CHECK(h.items == std::vector<int>{1});
}

TEST_CASE("spawn_per_child wakes the parent only when a child completes",
          "[unordered][spawn_per_child]") {
  set_harness<spawn_per_child_variant> h;
  h.run();
  auto a = make_child(1, 5);
  auto b = make_child(2);
  h.push(a);
  h.push(b);
  h.run();
  const auto polls_after_push = h.parent_polls;
  CHECK(a->polls == 6);
  CHECK(h.parent_polls == polls_after_push);
  b->fire();
  h.run();
  CHECK(h.parent_polls == polls_after_push + 1);
  CHECK(h.items == std::vector<int>{2});
  CHECK(b->polls == 2);
  CHECK(a->polls == 6);
}

TEST_CASE("spawn_per_child reports a child's exception as that child's failed item",
          "[unordered][spawn_per_child][exceptions]") {
  set_harness<spawn_per_child_variant> h;
  h.run();
  auto a = make_child(1);
  auto b = make_child(2);
  auto c = make_child(3);
  b->outcome = child_state::outcome_kind::exception;
  h.push(a);
  h.push(b);
  h.push(c);
  h.run();
  b->fire();
  h.run();
  a->fire();
  c->fire();
  h.run();
  CHECK(h.escaped.empty());
  CHECK(h.items == std::vector<int>{-1000, 1, 3});
  CHECK(b->destroyed == 1);
  CHECK(h.reactor.get_unobserved_exception_count() == 0);
}

TEST_CASE("spawn_per_child reports a child's own error as a failed item",
          "[unordered][spawn_per_child]") {
  set_harness<spawn_per_child_variant> h;
  h.run();
  auto a = make_child(7);
  a->outcome = child_state::outcome_kind::error;
  a->fired = true;
  h.push(a);
  h.run();
  CHECK(h.items == std::vector<int>{-7});
}

TEST_CASE("spawn_per_child frees a child's task when the set hands out its item",
          "[unordered][spawn_per_child]") {
  set_harness<spawn_per_child_variant> h;
  h.run();
  const auto base = h.reactor.get_task_count();  // the parent
  auto a = make_child(1);
  auto b = make_child(2);
  auto c = make_child(3);
  b->outcome = child_state::outcome_kind::exception;
  c->outcome = child_state::outcome_kind::error;
  h.push(a);
  h.push(b);
  h.push(c);
  h.run();
  CHECK(h.reactor.get_task_count() == base + 3);
  b->fire();
  h.run();
  CHECK(h.reactor.get_task_count() == base + 2);
  a->fire();
  c->fire();
  h.run();
  CHECK(h.items == std::vector<int>{-1000, 1, -3});
  CHECK(h.reactor.get_task_count() == base);
  CHECK(a->destroyed == 1);
  CHECK(b->destroyed == 1);
  CHECK(c->destroyed == 1);
}

namespace {

/// Completes at once with a shared_ptr, so the outcome holds a reference a test can count.
struct holder_child {
  using future_concept = future_tag;
  using item_type = std::shared_ptr<int>;
  using error_type = never;
  std::shared_ptr<int> value;
  template <task Task>
  poll_result<std::shared_ptr<int>, never> poll(Task& /*task*/) {
    return ready_value{std::move(value)};
  }
};

/// Pushes one holder_child into a set and completes.
struct holder_pusher {
  using future_concept = future_tag;
  using item_type = unit;
  using error_type = never;
  unordered::spawn_per_child<holder_child>* set;
  std::shared_ptr<int> value;
  template <task Task>
  poll_result<unit, never> poll(Task& task) {
    set->push(task, holder_child{std::move(value)});
    return ready_value{unit{}};
  }
};

}  // namespace

TEST_CASE("spawn_per_child drops an outcome the parent never took when the set goes",
          "[unordered][spawn_per_child][drop]") {
  local::reactor reactor;
  auto state = std::make_shared<int>(0);
  std::optional<unordered::spawn_per_child<holder_child>> set{std::in_place};
  auto pushed = reactor.spawn(holder_pusher{&*set, state});
  reactor.run_until_idle();
  CHECK(state.use_count() == 2);  // the completed child's outcome waits in the set
  CHECK(set->size() == 1);
  set.reset();
  CHECK(state.use_count() == 1);
  pushed = {};
  reactor.run_until_idle();
  CHECK(reactor.get_task_count() == 0);
}

namespace {

/// A child without heap state of its own: ready once its flag is set.
struct flag_child {
  using future_concept = future_tag;
  using item_type = int;
  using error_type = never;
  struct context {
    std::vector<char> fired;
    std::vector<waker> wakers;
    int next_id = 0;
    int fired_count = 0;
  };
  context* ctx;
  int id;
  template <task Task>
  poll_result<int, never> poll(Task& task) {
    if (ctx->fired[static_cast<std::size_t>(id)] != 0) return ready_value{id};
    ctx->wakers[static_cast<std::size_t>(id)] = task.get_waker();
    return pending;
  }
};

/// Keeps `n` children in the set; fires the oldest, takes its item, pushes a fresh one, for
/// `rounds` rounds (the wake_one_of_n loop of experiment 03, in order).
struct refill_driver {
  using future_concept = future_tag;
  using item_type = unit;
  using error_type = never;
  unordered::spawn_per_child<flag_child>* set;
  flag_child::context* ctx;
  int n;
  int rounds;
  int taken = 0;
  bool started = false;

  void fire_next() {
    const auto id = static_cast<std::size_t>(ctx->fired_count++);
    ctx->fired[id] = 1;
    ctx->wakers[id].wake();
  }
  template <task Task>
  poll_result<unit, never> poll(Task& task) {
    if (!started) {
      started = true;
      if (set->empty()) {
        for (int i = 0; i < n; ++i) set->push(task, flag_child{ctx, ctx->next_id++});
      }
      fire_next();
    }
    while (true) {
      auto r = set->poll_next(task);
      if (r.is_pending()) return pending;
      REQUIRE(r.get_value().has_value());
      ++taken;
      set->push(task, flag_child{ctx, ctx->next_id++});
      if (taken == rounds) return ready_value{unit{}};
      fire_next();
    }
  }
};

}  // namespace

TEST_CASE("spawn_per_child allocates nothing per push, wake or completion once warm",
          "[unordered][spawn_per_child][allocations]") {
  local::reactor reactor;
  unordered::spawn_per_child<flag_child> set;
  flag_child::context ctx;
  ctx.fired.resize(10000);
  ctx.wakers.resize(10000);
  auto allocations_for = [&](int rounds) {
    allocation_counter counter;
    CHECK(reactor.block_on(refill_driver{&set, &ctx, 64, rounds}).is_ready());
    return counter.get_count();
  };
  (void)allocations_for(500);  // warm: groups, slab, completion list, reactor queues
  const auto short_run = allocations_for(100);
  const auto long_run = allocations_for(1000);
  CHECK(long_run == short_run);  // no allocation per round (push + wake + completion + take)
  CHECK(set.size() == 64);
  CHECK(ctx.fired_count == 1600);
}

namespace {

/// Pushes `n` children (flag_child, fired at once) and sums their items.
struct sum_driver {
  using future_concept = future_tag;
  using item_type = int;
  using error_type = never;
  unordered::spawn_per_child<flag_child>* set;
  flag_child::context* ctx;
  int n;
  int sum = 0;
  bool started = false;
  template <task Task>
  poll_result<int, never> poll(Task& task) {
    if (!started) {
      started = true;
      for (int i = 0; i < n; ++i) {
        ctx->fired[static_cast<std::size_t>(i)] = 1;
        set->push(task, flag_child{ctx, i});
      }
    }
    while (true) {
      auto r = set->poll_next(task);
      if (r.is_pending()) return pending;
      if (!r.get_value()) return ready_value{sum};
      sum += r.get_value()->get_value();
    }
  }
};

using closed_for_sets =
    closed_map_storage<sum_driver, unordered::spawn_per_child<flag_child>::child_future_type>;

}  // namespace

TEMPLATE_LIST_TEST_CASE("spawn_per_child runs on every storage policy of the local reactor",
                        "[unordered][spawn_per_child][storage]",
                        test::storage_policies<closed_for_sets>) {
  local::basic_reactor<TestType> reactor;
  unordered::spawn_per_child<flag_child> set;
  flag_child::context ctx;
  ctx.fired.resize(16);
  ctx.wakers.resize(16);
  const auto r = reactor.block_on(sum_driver{&set, &ctx, 10});
  REQUIRE(r.is_ready());
  CHECK(r.get_value() == 45);
  CHECK(reactor.get_task_count() == 0);
}
