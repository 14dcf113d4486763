// pollable<F, Task>: F is a future, Task is a task, and f.poll(t) on lvalues returns exactly
// poll_result<item_type_t<F>, error_type_t<F>>. (Which gentask futures are pollable on which
// task types is tests/core/pollable_matrix.cpp; this file checks the relation's own clauses.)
#include <gentask/core/pollable.hpp>

#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/task.hpp>
#include <gentask/core/task_archetypes.hpp>
#include <gentask/futures/ready.hpp>

#include "support/counting_task.hpp"
#include "support/leaf_futures.hpp"
#include "support/manual_timer.hpp"
#include "support/noop_task.hpp"

#include <catch2/catch.hpp>

#include <type_traits>

using namespace gentask;
namespace arch = gentask::archetypes;

namespace {

/// A well-formed future pollable on every task.
struct good {
  using future_concept = future_tag;
  using item_type = int;
  using error_type = char;
  template <task T>
  poll_result<int, char> poll(T& /*t*/) {
    return ready_value{1};
  }
};

/// The same members, without the opt-in tag: not a future, so not pollable.
struct untagged {
  using item_type = int;
  using error_type = char;
  template <task T>
  poll_result<int, char> poll(T& t);
};

/// A future whose poll returns a result of other types (convertible is not enough).
struct wrong_item {
  using future_concept = future_tag;
  using item_type = int;
  using error_type = char;
  template <task T>
  poll_result<long, char> poll(T& t);
};
struct wrong_error {
  using future_concept = future_tag;
  using item_type = int;
  using error_type = char;
  template <task T>
  poll_result<int, int> poll(T& t);
};
struct returns_bool {
  using future_concept = future_tag;
  using item_type = int;
  using error_type = char;
  template <task T>
  bool poll(T& t);
};
/// Returns a reference to a result: not exactly the result type.
struct returns_reference {
  using future_concept = future_tag;
  using item_type = int;
  using error_type = char;
  template <task T>
  poll_result<int, char>& poll(T& t);
};

/// A future without a poll at all (a value contract only).
struct no_poll {
  using future_concept = future_tag;
  using item_type = int;
  using error_type = char;
};

/// Polls only as an rvalue: pollable needs poll on an lvalue.
struct rvalue_poll {
  using future_concept = future_tag;
  using item_type = int;
  using error_type = char;
  template <task T>
  poll_result<int, char> poll(T& t) &&;
};

/// Polls through a const member: still pollable (an lvalue can call it).
struct const_poll {
  using future_concept = future_tag;
  using item_type = int;
  using error_type = char;
  template <task T>
  poll_result<int, char> poll(T& t) const;
};

/// Takes the task by const reference: fine on any task.
struct const_task_poll {
  using future_concept = future_tag;
  using item_type = int;
  using error_type = char;
  template <class T>
  poll_result<int, char> poll(const T& t);
};

/// Accepts any argument, but a non-task is not a Task for pollable.
struct poll_anything {
  using future_concept = future_tag;
  using item_type = int;
  using error_type = char;
  template <class T>
  poll_result<int, char> poll(T& t);
};

/// Polls on one concrete task type only.
struct only_counting {
  using future_concept = future_tag;
  using item_type = int;
  using error_type = char;
  poll_result<int, char> poll(test::counting_task& t);
};

}  // namespace

TEST_CASE("pollable needs a future, a task and a poll of exactly the result type",
          "[core][pollable]") {
  using test::counting_task;
  // clang-format off
  STATIC_REQUIRE( pollable<good, counting_task>);
  STATIC_REQUIRE( pollable<good, arch::task>);
  STATIC_REQUIRE(!pollable<untagged, counting_task>);        // 1: not a future
  STATIC_REQUIRE(!pollable<good, int>);                      // 1: not a task
  STATIC_REQUIRE(!pollable<poll_anything, int>);             //    even if poll would take it
  STATIC_REQUIRE(!pollable<no_poll, counting_task>);         // 2: no poll
  STATIC_REQUIRE(!pollable<wrong_item, counting_task>);      // 2: exact item type
  STATIC_REQUIRE(!pollable<wrong_error, counting_task>);     // 2: exact error type
  STATIC_REQUIRE(!pollable<returns_bool, counting_task>);
  STATIC_REQUIRE(!pollable<returns_reference, counting_task>);
  STATIC_REQUIRE(!pollable<rvalue_poll, counting_task>);     // 2: poll on an lvalue
  STATIC_REQUIRE( pollable<const_poll, counting_task>);
  STATIC_REQUIRE( pollable<const_task_poll, counting_task>);
  STATIC_REQUIRE( pollable<only_counting, counting_task>);
  STATIC_REQUIRE(!pollable<only_counting, test::noop_task>);
  STATIC_REQUIRE( pollable<only_counting, test::manual_timer_task>);  // derives from counting_task
  // clang-format on
}

TEST_CASE("pollable ignores references and the future's cv-qualifiers", "[core][pollable]") {
  using test::counting_task;
  STATIC_REQUIRE(pollable<good&, counting_task>);
  STATIC_REQUIRE(pollable<good&&, counting_task&>);
  STATIC_REQUIRE(pollable<const good&, counting_task>);  // the relation is about the type
  STATIC_REQUIRE(pollable<good, counting_task&>);
  // A const task is a different type: counting_task's get_waker is not const.
  STATIC_REQUIRE(!pollable<good, const counting_task>);
  STATIC_REQUIRE(pollable<good, const test::noop_task>);  // noop_task's is
}

TEST_CASE("pollable follows the constraint a leaf puts on its poll", "[core][pollable]") {
  STATIC_REQUIRE(pollable<test::needs_timer, test::manual_timer_task>);
  STATIC_REQUIRE(!pollable<test::needs_timer, test::counting_task>);
  STATIC_REQUIRE(pollable<test::needs_remote_wake, test::noop_task>);
  STATIC_REQUIRE(!pollable<test::needs_remote_wake, test::counting_task>);
}

TEST_CASE("poll_result_t names the result type of polling a future", "[core][pollable]") {
  STATIC_REQUIRE(std::is_same_v<poll_result_t<good>, poll_result<int, char>>);
  STATIC_REQUIRE(std::is_same_v<poll_result_t<const good&>, poll_result<int, char>>);
  STATIC_REQUIRE(std::is_same_v<poll_result_t<ready_future<long>>, poll_result<long, never>>);
  test::counting_task task;
  good f;
  poll_result_t<good> r = f.poll(task);
  CHECK(r.get_value() == 1);
}
