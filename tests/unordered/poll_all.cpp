// What is specific to poll_all (the naive set): it is pollable exactly where its child is (the
// children get the parent's own task), every poll_next polls every child in slot order and stops
// at the first that completes, no allocation but the vector's growth, and lifetime (destruction,
// exceptions, destruction and pushes from inside a child's poll). The behaviour all four
// variants share is in shared_suite.cpp.
#include <gentask/unordered/poll_all.hpp>

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

using set_type = unordered::poll_all<scripted_child>;

}  // namespace

TEST_CASE("unordered::poll_all is a stream pollable with the parent's own task",
          "[unordered][poll_all]") {
  STATIC_REQUIRE(stream<set_type>);
  STATIC_REQUIRE(std::is_same_v<item_type_t<set_type>, poll_result<int, int>>);
  STATIC_REQUIRE(std::is_same_v<error_type_t<set_type>, never>);
  STATIC_REQUIRE(pollable_stream<set_type, counting_task>);
  STATIC_REQUIRE_FALSE(std::is_copy_constructible_v<set_type>);
  STATIC_REQUIRE(std::is_nothrow_move_constructible_v<set_type>);
  STATIC_REQUIRE(std::is_nothrow_move_assignable_v<set_type>);
}

TEMPLATE_TEST_CASE(
    "unordered::poll_all is pollable exactly where its child is, remote wakes included",
    "[unordered][poll_all][pollable]", yield_now<int>, needs_remote_wake, needs_spawn, needs_io,
    needs_timer, needs_ui) {
  STATIC_REQUIRE(stream_pollable_on<unordered::poll_all<TestType>>() ==
                 future_pollable_on<TestType>());
}

TEST_CASE("unordered::poll_all allocates only when its vector grows",
          "[unordered][poll_all][allocations]") {
  counting_task task;
  lifecycle life;
  std::vector<state_ptr> s;
  for (int i = 0; i < 8; ++i) s.push_back(make_state(i));
  set_type set;
  for (auto& st : s) set.push(scripted_child(life, st));
  for (auto& st : s) st->ready = true;
  for (int i = 0; i < 8; ++i) CHECK(take(set, task) == i);
  allocation_counter allocs;  // warm: eight free slots
  for (auto& st : s) {
    st->ready = false;
    set.push(scripted_child(life, st));
  }
  CHECK(set.poll_next(task).is_pending());
  for (auto& st : s) {
    st->ready = true;
    st->w.wake();
  }
  for (int i = 0; i < 8; ++i) (void)take(set, task);
  const std::size_t count = allocs.get_count();
  CHECK(count == 0);
}

TEST_CASE(
    "unordered::poll_all polls every child in slot order and stops at the first that completes",
    "[unordered][poll_all]") {
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
  CHECK(log == std::vector<int>{1, 2, 3});
  log.clear();
  c->ready = true;
  b->ready = true;
  c->w.wake();  // the children's handles are the parent's own
  CHECK(c->w.will_wake(task.get_waker()));
  CHECK(task.get_wake_count() == 1);
  CHECK(take(set, task) == 2);           // b comes first: the lower slot, although c woke first
  CHECK(log == std::vector<int>{1, 2});  // c is not polled after b completed
  log.clear();
  CHECK(take(set, task) == 3);
  CHECK(log == std::vector<int>{1, 3});  // a, polled again without a wake of its own
  CHECK(a->polls == 3);
}

TEST_CASE(
    "unordered::poll_all polls a child that wakes itself once per poll_next, and its siblings too",
    "[unordered][poll_all]") {
  counting_task task;
  lifecycle life;
  auto a = make_state(1);
  auto b = make_state(2);
  a->self_wakes = 100;
  set_type set;
  set.push(scripted_child(life, a));
  set.push(scripted_child(life, b));
  for (int i = 0; i < 5; ++i) CHECK(set.poll_next(task).is_pending());
  CHECK(a->polls == 5);
  CHECK(b->polls == 5);  // the cost of one wake is a poll of every child
  CHECK(task.get_wake_count() == 5);
}

TEST_CASE("unordered::poll_all destroys each child once", "[unordered][poll_all][lifetime]") {
  counting_task task;
  lifecycle life;
  std::vector<state_ptr> s;
  for (int i = 0; i < 4; ++i) s.push_back(make_state(i));
  {
    set_type set;
    for (auto& st : s) set.push(scripted_child(life, st));
    s[1]->ready = true;
    CHECK(take(set, task) == 1);
    auto moved = std::move(set);
    CHECK(moved.size() == 3);
    CHECK(set.empty());
    set.push(scripted_child(life, make_state(9)));  // a moved-from set is usable
    CHECK(set.size() == 1);
  }
  CHECK(life.get_alive() == 0);
  CHECK(life.constructed == 5);
}

TEST_CASE("unordered::poll_all can be destroyed from inside a child's poll",
          "[unordered][poll_all][lifetime]") {
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
  };
  set->push(scripted_child(life, a));
  set->push(scripted_child(life, b));
  set->push(scripted_child(life, c));
  auto r = set->poll_next(task);
  CHECK(r.is_pending());
  CHECK_FALSE(set.has_value());
  CHECK(alive_inside == 3);
  CHECK(life.get_alive() == 0);
  CHECK(a->polls == 1);
  CHECK(c->polls == 0);
}

TEST_CASE("unordered::poll_all takes pushes from inside a child's poll", "[unordered][poll_all]") {
  counting_task task;
  lifecycle life;
  set_type set;
  auto a = make_state(1);
  auto b = make_state(2);
  auto c = make_state(3);
  auto d = make_state(4);
  a->ready = true;
  set.push(scripted_child(life, a));
  set.push(scripted_child(life, b));
  CHECK(take(set, task) == 1);  // slot 0 is free now

  SECTION("into a slot the sweep has passed: the parent is woken") {
    b->on_poll = [&] {
      set.push(scripted_child(life, c));
      CHECK(set.size() == 2);
    };
    task.reset_wake_count();
    CHECK(set.poll_next(task).is_pending());  // c lands in slot 0, behind the sweep
    CHECK(c->polls == 0);
    CHECK(task.get_wake_count() == 1);
    c->ready = true;
    CHECK(take(set, task) == 3);
  }
  SECTION("into a new slot: polled in the same sweep") {
    set.push(scripted_child(life, c));  // takes slot 0
    b->on_poll = [&] { set.push(scripted_child(life, d)); };
    d->ready = true;
    task.reset_wake_count();
    CHECK(take(set, task) == 4);  // appended at slot 2, after b
    CHECK(task.get_wake_count() == 0);
  }
}

TEST_CASE("unordered::poll_all destroys a child whose poll throws and stays usable",
          "[unordered][poll_all][exceptions]") {
  counting_task task;
  lifecycle life;
  set_type set;
  auto a = make_state(1);
  auto b = make_state(2);
  a->throws = true;
  b->ready = true;
  set.push(scripted_child(life, a));
  set.push(scripted_child(life, b));
  CHECK_THROWS_AS(set.poll_next(task), std::runtime_error);
  CHECK(set.size() == 1);
  CHECK(life.get_alive() == 1);
  CHECK(b->polls == 0);
  CHECK(take(set, task) == 2);
  CHECK(a->polls == 1);
  auto r = set.poll_next(task);
  REQUIRE(r.is_ready());
  CHECK_FALSE(r.get_value().has_value());
}

TEST_CASE("unordered::poll_all is not reentrant", "[unordered][poll_all]") {
  counting_task task;
  lifecycle life;
  set_type set;
  auto a = make_state(1);
  a->on_poll = [&] { CHECK_THROWS_AS(set.poll_next(task), std::logic_error); };
  set.push(scripted_child(life, a));
  CHECK(set.poll_next(task).is_pending());
  CHECK(a->polls == 1);
}
