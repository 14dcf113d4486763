// What is specific to per_leaf_notify (futures 0.3's FuturesUnordered): its capability table
// through child_task, one allocation per push and none per wake or completion, FIFO re-polls of
// only the woken children, the exact child polls of each yield policy, node release (destruction,
// late wakes, exceptions, destruction and pushes from inside a child's poll). The behaviour all
// four variants share is in shared_suite.cpp.
#include <gentask/unordered/per_leaf_notify.hpp>

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

template <class Policy = unordered::yield2_or_len>
using set_of = unordered::per_leaf_notify<scripted_child, Policy>;

}  // namespace

TEST_CASE("unordered::per_leaf_notify is a stream pollable through child_task",
          "[unordered][per_leaf]") {
  using set_type = set_of<>;
  STATIC_REQUIRE(stream<set_type>);
  STATIC_REQUIRE(std::is_same_v<item_type_t<set_type>, poll_result<int, int>>);
  STATIC_REQUIRE(std::is_same_v<error_type_t<set_type>, never>);
  STATIC_REQUIRE(pollable_stream<set_type, counting_task>);
  STATIC_REQUIRE(pollable_stream<unordered::per_leaf_notify<yield_now<int>>, counting_task>);
  STATIC_REQUIRE_FALSE(std::is_copy_constructible_v<set_type>);
  STATIC_REQUIRE(std::is_nothrow_move_constructible_v<set_type>);
  STATIC_REQUIRE(std::is_nothrow_move_assignable_v<set_type>);
  STATIC_REQUIRE(set_of<unordered::none>::yield_policy_type::name == "none");
  STATIC_REQUIRE(unordered::every_32::name == "every_32");
  STATIC_REQUIRE(unordered::yield2_or_len::name == "yield2_or_len");
}

TEMPLATE_TEST_CASE("unordered::per_leaf_notify is pollable exactly where its child is",
                   "[unordered][per_leaf][pollable]", yield_now<int>, needs_spawn, needs_io,
                   needs_timer, needs_ui) {
  STATIC_REQUIRE(stream_pollable_on<unordered::per_leaf_notify<TestType>>() ==
                 future_pollable_on<TestType>());
}

TEST_CASE("unordered::per_leaf_notify does not take a child that needs a remote waker",
          "[unordered][per_leaf][pollable]") {
  // child_task does not forward get_remote_waker: the per-child handles are same-thread only.
  STATIC_REQUIRE(future_pollable_on<needs_remote_wake>() != 0);
  STATIC_REQUIRE(stream_pollable_on<unordered::per_leaf_notify<needs_remote_wake>>() == 0);
}

TEST_CASE(
    "unordered::per_leaf_notify allocates one node per push and nothing per wake or completion",
    "[unordered][per_leaf][allocations]") {
  counting_task task;
  lifecycle life;
  std::vector<state_ptr> states;
  for (int i = 0; i < 8; ++i) states.push_back(make_state(i));
  set_of<> set;
  {
    allocation_counter allocs;
    for (auto& s : states) set.push(scripted_child(life, s));
    CHECK(allocs.get_count() == 8);
  }
  std::vector<int> values;
  values.reserve(8);
  allocation_counter allocs;
  CHECK(set.poll_next(task).is_pending());  // every child polled once
  for (auto& s : states) {
    CHECK(s->polls == 1);
    s->ready = true;
    s->w.wake();
  }
  for (int i = 0; i < 8; ++i) values.push_back(take(set, task));
  const std::size_t count = allocs.get_count();
  CHECK(count == 0);
  CHECK(values == std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7});  // FIFO: the order of the wakes
  CHECK(set.empty());
}

TEST_CASE("unordered::per_leaf_notify re-polls only the woken children, in wake order",
          "[unordered][per_leaf]") {
  counting_task task;
  lifecycle life;
  std::vector<int> log;
  auto a = make_state(1, &log);
  auto b = make_state(2, &log);
  auto c = make_state(3, &log);
  set_of<> set;
  set.push(scripted_child(life, a));
  set.push(scripted_child(life, b));
  set.push(scripted_child(life, c));
  CHECK(set.poll_next(task).is_pending());
  CHECK(log == std::vector<int>{1, 2, 3});  // pushed children are queued in push order
  log.clear();

  c->ready = true;
  a->ready = true;
  c->w.wake();
  a->w.wake();
  a->w.wake();                            // coalesced: already queued
  CHECK(task.get_wake_count() == 1 + 2);  // the len yield above, then one per enqueue
  CHECK(take(set, task) == 3);
  CHECK(take(set, task) == 1);
  CHECK(log == std::vector<int>{3, 1});  // b was not polled again
  CHECK(b->polls == 1);
  CHECK(set.size() == 1);
}

TEST_CASE(
    "unordered::per_leaf_notify under yield policy none polls a self-waking child until it stops",
    "[unordered][per_leaf][yield]") {
  counting_task task;
  lifecycle life;
  auto a = make_state(1);
  auto b = make_state(2);
  a->self_wakes = 3;
  a->ready = true;
  b->self_wakes = 100;  // bounded stand-in for a child that always wakes itself (#2047)
  set_of<unordered::none> set;
  set.push(scripted_child(life, a));
  set.push(scripted_child(life, b));
  CHECK(take(set, task) == 1);  // one poll_next: a, b, a, b, a, b, a
  CHECK(a->polls == 4);
  CHECK(b->polls == 3);
  task.reset_wake_count();
  auto r = set.poll_next(task);  // b alone: polled until its 100 self-wakes are spent
  CHECK(r.is_pending());
  CHECK(b->polls == 3 + 98);
  CHECK(task.get_wake_count() == 97);  // one per enqueue; none to yield
}

TEST_CASE("unordered::per_leaf_notify under yield policy every_32 yields after 32 child polls",
          "[unordered][per_leaf][yield]") {
  counting_task task;
  lifecycle life;
  auto a = make_state(1);
  a->self_wakes = 100;
  set_of<unordered::every_32> set;
  set.push(scripted_child(life, a));
  CHECK(set.poll_next(task).is_pending());
  CHECK(a->polls == 32);
  CHECK(task.get_wake_count() == 32 + 1);  // each self-wake enqueues and wakes; then the yield
  CHECK(set.poll_next(task).is_pending());
  CHECK(a->polls == 64);

  // Fewer than 32 polls and an empty queue: pending without a wake.
  counting_task quiet;
  set_of<unordered::every_32> waiting;
  for (int i = 0; i < 5; ++i) waiting.push(scripted_child(life, make_state(i)));
  CHECK(waiting.poll_next(quiet).is_pending());
  CHECK(quiet.get_wake_count() == 0);
}

TEST_CASE(
    "unordered::per_leaf_notify under yield policy yield2_or_len yields after two self-wakes or "
    "len polls",
    "[unordered][per_leaf][yield]") {
  lifecycle life;
  SECTION("two children that wake themselves end the poll_next") {
    counting_task task;
    std::vector<state_ptr> s;
    set_of<unordered::yield2_or_len> set;
    for (int i = 0; i < 4; ++i) {
      s.push_back(make_state(i));
      s.back()->self_wakes = 100;
      set.push(scripted_child(life, s.back()));
    }
    CHECK(set.poll_next(task).is_pending());
    CHECK(s[0]->polls == 1);
    CHECK(s[1]->polls == 1);
    CHECK(s[2]->polls == 0);
    CHECK(task.get_wake_count() == 2 + 1);  // each self-wake enqueues and wakes; the yield
  }
  SECTION("one self-waking child is polled len times at most") {
    counting_task task;
    auto a = make_state(1);
    a->self_wakes = 100;
    set_of<unordered::yield2_or_len> set;
    set.push(scripted_child(life, a));
    CHECK(set.poll_next(task).is_pending());
    CHECK(a->polls == 1);  // polled == len == 1
    CHECK(task.get_wake_count() == 1 + 1);
  }
  SECTION("children that wait are each polled once, then the parent is woken") {
    counting_task task;
    std::vector<state_ptr> s;
    set_of<unordered::yield2_or_len> set;
    for (int i = 0; i < 3; ++i) {
      s.push_back(make_state(i));
      set.push(scripted_child(life, s.back()));
    }
    CHECK(set.poll_next(task).is_pending());
    for (auto& st : s) CHECK(st->polls == 1);
    // polled == len: futures wakes its task even though the queue is now empty.
    CHECK(task.get_wake_count() == 1);
    task.reset_wake_count();
    CHECK(set.poll_next(task).is_pending());  // empty queue: no poll, no wake
    CHECK(task.get_wake_count() == 0);
    for (auto& st : s) CHECK(st->polls == 1);
  }
}

TEST_CASE(
    "unordered::per_leaf_notify destroys each child once, and handles that outlive it wake nothing",
    "[unordered][per_leaf][lifetime]") {
  counting_task task;
  lifecycle life;
  std::vector<state_ptr> s;
  for (int i = 0; i < 4; ++i) s.push_back(make_state(i));
  {
    set_of<> set;
    for (auto& st : s) set.push(scripted_child(life, st));
    s[3]->self_wakes = 1;  // queued again at destruction
    CHECK(set.poll_next(task).is_pending());
    s[0]->ready = true;
    s[0]->w.wake();
    CHECK(take(set, task) == 0);
    auto moved = std::move(set);  // the nodes stay where they are
    CHECK(moved.size() == 3);
    CHECK(set.empty());
  }
  CHECK(life.get_alive() == 0);
  CHECK(life.constructed == 4);
  task.reset_wake_count();
  for (auto& st : s) {
    REQUIRE_FALSE(st->w.is_noop());
    st->w.wake();  // the node outlives the set: nothing happens
    waker copy = st->w;
    copy.wake();
  }
  CHECK(task.get_wake_count() == 0);
  for (auto& st : s) st->w = waker();  // the last references: the nodes are freed
}

TEST_CASE("unordered::per_leaf_notify can be destroyed from inside a child's poll",
          "[unordered][per_leaf][lifetime]") {
  counting_task task;
  lifecycle life;
  std::optional<set_of<>> set(std::in_place);
  auto a = make_state(1);
  auto b = make_state(2);
  auto c = make_state(3);
  std::size_t alive_inside = 0;
  b->ready = true;
  b->on_poll = [&] {
    set.reset();
    alive_inside = life.get_alive();  // nothing destroyed while b runs
    b->w.wake();                      // its node is still there; its queue too
  };
  set->push(scripted_child(life, a));
  set->push(scripted_child(life, b));
  set->push(scripted_child(life, c));
  auto r = set->poll_next(task);  // the reference outlives the set: not touched after b's poll
  CHECK(r.is_pending());
  CHECK_FALSE(set.has_value());
  CHECK(alive_inside == 3);
  CHECK(life.get_alive() == 0);
  CHECK(c->polls == 0);
  a->w.wake();
  b->w.wake();
}

TEST_CASE("unordered::per_leaf_notify takes pushes from inside a child's poll",
          "[unordered][per_leaf]") {
  counting_task task;
  lifecycle life;
  set_of<unordered::none> set;
  auto a = make_state(1);
  auto b = make_state(2);
  b->ready = true;
  a->on_poll = [&] { set.push(scripted_child(life, b)); };
  set.push(scripted_child(life, a));
  CHECK(take(set, task) == 2);  // queued behind a, polled in the same poll_next
  CHECK(set.size() == 1);

  // Under yield2_or_len, len was taken before the push: the parent is woken instead.
  set_of<> other;
  auto c = make_state(3);
  auto d = make_state(4);
  d->ready = true;
  c->on_poll = [&] { other.push(scripted_child(life, d)); };
  other.push(scripted_child(life, c));
  counting_task t2;
  CHECK(other.poll_next(t2).is_pending());
  CHECK(t2.get_wake_count() == 1);
  CHECK(take(other, t2) == 4);
}

TEST_CASE("unordered::per_leaf_notify releases a child whose poll throws and stays usable",
          "[unordered][per_leaf][exceptions]") {
  counting_task task;
  lifecycle life;
  set_of<unordered::none> set;
  auto a = make_state(1);
  auto b = make_state(2);
  auto c = make_state(3);
  a->throws = true;
  a->on_poll = [&] { a->w.wake(); };  // queued again before it throws: released while queued
  c->ready = true;
  set.push(scripted_child(life, a));
  set.push(scripted_child(life, b));
  set.push(scripted_child(life, c));
  CHECK_THROWS_AS(set.poll_next(task), std::runtime_error);
  CHECK(set.size() == 2);
  CHECK(life.get_alive() == 2);  // a destroyed at once
  CHECK(take(set, task) == 3);   // a's queue entry, now behind c, is not a child any more
  CHECK(a->polls == 1);
  a->w.wake();  // a released node: nothing
  b->ready = true;
  b->w.wake();
  CHECK(take(set, task) == 2);  // the stale entry is dropped on the way
  CHECK(set.empty());
  auto r = set.poll_next(task);
  REQUIRE(r.is_ready());
  CHECK_FALSE(r.get_value().has_value());
}

TEST_CASE("unordered::per_leaf_notify is not reentrant", "[unordered][per_leaf]") {
  counting_task task;
  lifecycle life;
  set_of<> set;
  auto a = make_state(1);
  a->on_poll = [&] { CHECK_THROWS_AS(set.poll_next(task), std::logic_error); };
  set.push(scripted_child(life, a));
  CHECK(set.poll_next(task).is_pending());
  CHECK(a->polls == 1);
}
