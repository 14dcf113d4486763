// What is specific to ready_id_set (futures 0.1.13's FuturesUnordered): its capability table
// through child_task, one allocation per push and per notification, the LIFO drain and its
// duplicates, leftover ids polled before the next drain, stale ids of reused slots, the parent
// woken by every child wake, and lifetime (destruction, late wakes, exceptions, destruction and
// pushes from inside a child's poll). The behaviour all four variants share is in
// shared_suite.cpp.
#include <gentask/unordered/ready_id_set.hpp>

#include <gentask/core/stream.hpp>
#include <gentask/core/task_archetypes.hpp>

#include "streams/stream_kit.hpp"
#include "support/alloc_counter.hpp"
#include "support/counted.hpp"
#include "support/counting_task.hpp"
#include "support/leaf_futures.hpp"
#include "unordered/scripted_child.hpp"

#include <catch2/catch.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <vector>

using namespace gentask;
using namespace gentask::test;
using namespace gentask::test::baseline_tests;

namespace {

using set_type = unordered::ready_id_set<scripted_child>;

}  // namespace

TEST_CASE("unordered::ready_id_set is a stream pollable through child_task",
          "[unordered][ready_id_set]") {
  STATIC_REQUIRE(stream<set_type>);
  STATIC_REQUIRE(std::is_same_v<item_type_t<set_type>, poll_result<int, int>>);
  STATIC_REQUIRE(std::is_same_v<error_type_t<set_type>, never>);
  STATIC_REQUIRE(pollable_stream<set_type, counting_task>);
  STATIC_REQUIRE_FALSE(std::is_copy_constructible_v<set_type>);
  STATIC_REQUIRE(std::is_nothrow_move_constructible_v<set_type>);
  STATIC_REQUIRE(std::is_nothrow_move_assignable_v<set_type>);
}

TEMPLATE_TEST_CASE("unordered::ready_id_set is pollable exactly where its child is",
                   "[unordered][ready_id_set][pollable]", yield_now<int>, needs_spawn, needs_io,
                   needs_timer, needs_ui) {
  STATIC_REQUIRE(stream_pollable_on<unordered::ready_id_set<TestType>>() ==
                 future_pollable_on<TestType>());
}

TEST_CASE("unordered::ready_id_set does not take a child that needs a remote waker",
          "[unordered][ready_id_set][pollable]") {
  STATIC_REQUIRE(future_pollable_on<needs_remote_wake>() != 0);
  STATIC_REQUIRE(stream_pollable_on<unordered::ready_id_set<needs_remote_wake>>() == 0);
}

TEST_CASE(
    "unordered::ready_id_set allocates a node per push and per notification, duplicates included",
    "[unordered][ready_id_set][allocations]") {
  counting_task task;
  lifecycle life;
  auto a = make_state(1);
  auto b = make_state(2);
  set_type set;
  {
    allocation_counter allocs;
    set.push(scripted_child(life, a));
    set.push(scripted_child(life, b));
    CHECK(allocs.get_count() >= 2);  // a stack node each, and the vector's growth
  }
  CHECK(set.poll_next(task).is_pending());
  CHECK(task.get_wake_count() == 0);
  allocation_counter allocs;
  a->w.wake();
  CHECK(allocs.get_count() == 1);
  a->w.wake();  // not coalesced: a second node
  CHECK(allocs.get_count() == 2);
  b->w.wake();
  CHECK(allocs.get_count() == 3);
  CHECK(task.get_wake_count() == 3);        // every child wake also wakes the parent
  CHECK(set.poll_next(task).is_pending());  // drains b, a, a: a is polled twice
  CHECK(b->polls == 2);
  CHECK(a->polls == 3);
  a->ready = true;
  a->w.wake();
  CHECK(take(set, task) == 1);  // completion: the slot is freed, nothing allocated
  const std::size_t count = allocs.get_count();
  CHECK(count == 4);
}

TEST_CASE("unordered::ready_id_set drains its ready ids LIFO and keeps the rest for the next poll",
          "[unordered][ready_id_set]") {
  counting_task task;
  lifecycle life;
  std::vector<int> log;
  auto a = make_state(1, &log);
  auto b = make_state(2, &log);
  auto c = make_state(3, &log);
  set_type set;
  set.push(scripted_child(life, a));
  set.push(scripted_child(life, b));
  set.push(scripted_child(life, c));
  CHECK(set.poll_next(task).is_pending());
  CHECK(log == std::vector<int>{3, 2, 1});  // ids pushed 0, 1, 2; drained 2, 1, 0
  log.clear();
  for (const auto& s : {a, b, c}) {
    s->ready = true;
    s->w.wake();
  }
  CHECK(take(set, task) == 3);  // the latest wake first
  CHECK(take(set, task) == 2);  // from the leftover ids: no new notification needed
  CHECK(take(set, task) == 1);
  CHECK(log == std::vector<int>{3, 2, 1});
  CHECK(set.empty());
}

TEST_CASE("unordered::ready_id_set skips the duplicate id of a child that completed",
          "[unordered][ready_id_set]") {
  counting_task task;
  lifecycle life;
  auto a = make_state(1);
  auto b = make_state(2);
  set_type set;
  set.push(scripted_child(life, a));
  set.push(scripted_child(life, b));
  CHECK(set.poll_next(task).is_pending());
  a->ready = true;
  a->w.wake();
  a->w.wake();
  CHECK(take(set, task) == 1);  // the second id of a is left over
  CHECK(set.poll_next(task).is_pending());
  CHECK(a->polls == 2);
  CHECK(b->polls == 1);
}

TEST_CASE("unordered::ready_id_set skips a stale id of a reused slot",
          "[unordered][ready_id_set]") {
  counting_task task;
  lifecycle life;
  auto a = make_state(1);
  auto b = make_state(2);
  auto c = make_state(3);
  set_type set;
  set.push(scripted_child(life, a));
  set.push(scripted_child(life, b));
  a->ready = true;
  CHECK(take(set, task) == 1);  // drained b, a: b pending, a done; slot 0 is free
  CHECK(b->polls == 1);
  a->w.wake();                        // a's handle still names slot 0, generation 0
  set.push(scripted_child(life, c));  // slot 0 again, generation 1
  CHECK(set.poll_next(task).is_pending());
  CHECK(c->polls == 1);  // once, for its own id; a's id is stale
  CHECK(a->polls == 1);
  CHECK(set.size() == 2);
}

TEST_CASE("unordered::ready_id_set polls a child that wakes itself once per drain",
          "[unordered][ready_id_set]") {
  counting_task task;
  lifecycle life;
  auto a = make_state(1);
  a->self_wakes = 100;
  set_type set;
  set.push(scripted_child(life, a));
  CHECK(set.poll_next(task).is_pending());
  CHECK(a->polls == 1);
  CHECK(task.get_wake_count() == 1);  // the self-wake reached the parent
  CHECK(set.poll_next(task).is_pending());
  CHECK(a->polls == 2);
}

TEST_CASE(
    "unordered::ready_id_set destroys each child once, and handles that outlive it wake nothing",
    "[unordered][ready_id_set][lifetime]") {
  counting_task task;
  lifecycle life;
  std::vector<state_ptr> s;
  for (int i = 0; i < 4; ++i) s.push_back(make_state(i));
  {
    set_type set;
    for (auto& st : s) set.push(scripted_child(life, st));
    CHECK(set.poll_next(task).is_pending());
    s[0]->ready = true;
    s[2]->w.wake();
    s[0]->w.wake();
    CHECK(take(set, task) == 0);  // leaves s[2]'s id over
    s[1]->w.wake();               // and one more on the stack
    auto moved = std::move(set);
    CHECK(moved.size() == 3);
    CHECK(set.empty());
  }
  CHECK(life.get_alive() == 0);
  CHECK(life.constructed == 4);
  task.reset_wake_count();
  allocation_counter allocs;
  for (auto& st : s) {
    REQUIRE_FALSE(st->w.is_noop());
    st->w.wake();  // the stack outlives the set: nothing is pushed, nobody is woken
  }
  CHECK(allocs.get_count() == 0);
  CHECK(task.get_wake_count() == 0);
  for (auto& st : s) st->w = waker();  // the last references: the stack is freed
}

TEST_CASE("unordered::ready_id_set can be destroyed from inside a child's poll",
          "[unordered][ready_id_set][lifetime]") {
  counting_task task;
  lifecycle life;
  std::optional<set_type> set(std::in_place);
  auto a = make_state(1);
  auto b = make_state(2);
  auto c = make_state(3);
  std::size_t alive_inside = 0;
  b->ready = true;
  b->on_poll = [&] {
    set.reset();
    alive_inside = life.get_alive();
    b->w.wake();  // the stack is still there
  };
  set->push(scripted_child(life, a));
  set->push(scripted_child(life, b));
  set->push(scripted_child(life, c));
  auto r = set->poll_next(task);  // drains c, b, a: stops after b
  CHECK(r.is_pending());
  CHECK_FALSE(set.has_value());
  CHECK(alive_inside == 3);
  CHECK(life.get_alive() == 0);
  CHECK(c->polls == 1);
  CHECK(a->polls == 0);
  a->w.wake();
  b->w.wake();
}

TEST_CASE("unordered::ready_id_set takes pushes from inside a child's poll as notifications",
          "[unordered][ready_id_set]") {
  counting_task task;
  lifecycle life;
  set_type set;
  auto a = make_state(1);
  auto b = make_state(2);
  b->ready = true;
  a->on_poll = [&] {
    set.push(scripted_child(life, b));
    CHECK(set.size() == 2);
  };
  set.push(scripted_child(life, a));
  CHECK(set.poll_next(task).is_pending());  // the stack was drained before b arrived
  CHECK(b->polls == 0);
  CHECK(task.get_wake_count() == 1);  // so the push woke the parent
  CHECK(take(set, task) == 2);
  CHECK(set.size() == 1);
}

TEST_CASE(
    "unordered::ready_id_set destroys a child whose poll throws and keeps the ids not yet polled",
    "[unordered][ready_id_set][exceptions]") {
  counting_task task;
  lifecycle life;
  set_type set;
  auto a = make_state(1);
  auto b = make_state(2);
  auto c = make_state(3);
  c->throws = true;
  b->ready = true;
  set.push(scripted_child(life, a));
  set.push(scripted_child(life, b));
  set.push(scripted_child(life, c));
  CHECK_THROWS_AS(set.poll_next(task), std::runtime_error);  // drained c, b, a: c threw
  CHECK(set.size() == 2);
  CHECK(life.get_alive() == 2);
  CHECK(b->polls == 0);
  CHECK(take(set, task) == 2);  // b and a were kept, with no new notification
  CHECK(a->polls == 0);
  CHECK(set.poll_next(task).is_pending());
  CHECK(a->polls == 1);
  c->w.wake();  // c's id is stale now
  a->ready = true;
  a->w.wake();
  CHECK(take(set, task) == 1);
  CHECK(c->polls == 1);
}

TEST_CASE("unordered::ready_id_set is not reentrant", "[unordered][ready_id_set]") {
  counting_task task;
  lifecycle life;
  set_type set;
  auto a = make_state(1);
  a->on_poll = [&] { CHECK_THROWS_AS(set.poll_next(task), std::logic_error); };
  set.push(scripted_child(life, a));
  CHECK(set.poll_next(task).is_pending());
  CHECK(a->polls == 1);
}
