// The cooperative budget: the budgeted_task concept and poll_proceed, for leaves.
#include <gentask/core/budget.hpp>

#include <gentask/core/task.hpp>
#include <gentask/core/task_archetypes.hpp>
#include <gentask/reactors/local/reactor.hpp>
#include <gentask/storage/boxed_task_store.hpp>

#include "support/counting_task.hpp"
#include "support/manual_timer.hpp"
#include "support/noop_task.hpp"

#include <catch2/catch.hpp>

#include <cstddef>

using namespace gentask;
using namespace gentask::test;
namespace arch = gentask::archetypes;

namespace {

/// A counting task with a budget of `n` units, refilled by hand (a budgeted archetype that runs).
class budget_task : public counting_task {
 public:
  explicit budget_task(unsigned n) : left_(n) {}
  [[nodiscard]] bool consume_budget() noexcept {
    ++asked_;
    if (left_ == 0) return false;
    --left_;
    return true;
  }
  void refill(unsigned n) noexcept { left_ = n; }
  [[nodiscard]] unsigned get_left() const noexcept { return left_; }
  [[nodiscard]] std::size_t get_asked() const noexcept { return asked_; }

 private:
  unsigned left_;
  std::size_t asked_ = 0;
};

struct budget_returns_int {
  waker get_waker();
  int consume_budget();
};
struct budget_without_waker {
  bool consume_budget();
};
struct budget_needs_argument {
  waker get_waker();
  bool consume_budget(int);
};
struct budget_mutable_only {
  waker get_waker();
  bool consume_budget();  // not const: fine, budgeted_task asks on an lvalue
};
struct budget_archetype : arch::task {
  bool consume_budget();
};

}  // namespace

TEST_CASE("budgeted_task holds for task types with a cooperative budget only", "[core][budget]") {
  // Positive.
  STATIC_REQUIRE(budgeted_task<budget_task>);
  STATIC_REQUIRE(budgeted_task<budget_mutable_only>);
  STATIC_REQUIRE(budgeted_task<budget_archetype>);
  STATIC_REQUIRE(budgeted_task<local::reactor::task_type>);
  STATIC_REQUIRE(budgeted_task<local::basic_reactor<boxed_storage>::task_type>);
  STATIC_REQUIRE(budgeted_task<const local::reactor::task_type>);  // consume_budget is const there
  // Negative: no budget, or the wrong shape.
  STATIC_REQUIRE(!budgeted_task<counting_task>);
  STATIC_REQUIRE(!budgeted_task<manual_timer_task>);
  STATIC_REQUIRE(!budgeted_task<noop_task>);
  STATIC_REQUIRE(!budgeted_task<arch::task>);
  STATIC_REQUIRE(!budgeted_task<arch::full_task>);
  STATIC_REQUIRE(!budgeted_task<budget_returns_int>);
  STATIC_REQUIRE(!budgeted_task<budget_without_waker>);  // not a task at all
  STATIC_REQUIRE(!budgeted_task<budget_needs_argument>);
  STATIC_REQUIRE(!budgeted_task<int>);
  STATIC_REQUIRE(!budgeted_task<const budget_mutable_only>);
  // Being budgeted is not a rung the other capabilities depend on.
  STATIC_REQUIRE(task<budget_task>);
  STATIC_REQUIRE(!timer_task<budget_task>);
  STATIC_REQUIRE(timer_task<local::reactor::task_type>);
}

TEST_CASE("poll_proceed on a task without a budget is always true and never wakes",
          "[core][budget]") {
  counting_task task;
  for (int i = 0; i < 1000; ++i) REQUIRE(poll_proceed(task));
  CHECK(task.get_wake_count() == 0);
  CHECK(task.get_live_handles() == 0);

  manual_timer_task timed;
  CHECK(poll_proceed(timed));
  CHECK(timed.get_wake_count() == 0);
  noop_task noop;
  CHECK(poll_proceed(noop));
}

TEST_CASE("poll_proceed with a budget of n gives n trues then false with exactly one wake",
          "[core][budget]") {
  const unsigned n = GENERATE(0U, 1U, 3U, 128U);
  budget_task task(n);
  for (unsigned i = 0; i < n; ++i) {
    REQUIRE(poll_proceed(task));
    REQUIRE(task.get_wake_count() == 0);
  }
  CHECK(task.get_left() == 0);
  CHECK_FALSE(poll_proceed(task));
  CHECK(task.get_wake_count() == 1);
  CHECK(task.get_live_handles() == 0);  // the wake handle was dropped after the wake
  CHECK(task.get_asked() == n + 1);
}

TEST_CASE("poll_proceed wakes again on each refusal and proceeds after a budget refill",
          "[core][budget]") {
  budget_task task(1);
  CHECK(poll_proceed(task));
  CHECK_FALSE(poll_proceed(task));
  CHECK_FALSE(poll_proceed(task));  // a leaf asking again is refused again, and wakes again
  CHECK(task.get_wake_count() == 2);
  task.refill(2);  // a new tick
  task.reset_wake_count();
  CHECK(poll_proceed(task));
  CHECK(poll_proceed(task));
  CHECK_FALSE(poll_proceed(task));
  CHECK(task.get_wake_count() == 1);
}
