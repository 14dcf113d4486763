#include <gentask/sync/semaphore.hpp>

#include <gentask/core/budget.hpp>
#include <gentask/core/errors.hpp>
#include <gentask/core/future.hpp>
#include <gentask/core/pollable.hpp>
#include <gentask/core/task_archetypes.hpp>
#include <gentask/core/unit.hpp>
#include <gentask/reactors/local/reactor.hpp>

#include "support/alloc_counter.hpp"
#include "support/counting_task.hpp"

#include <catch2/catch.hpp>

#include <cassert>
#include <cstddef>
#include <memory>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <vector>

using namespace gentask;
using namespace gentask::test;

namespace {

/// Drops a handle now.
template <class T>
void drop(T& handle) {
  [[maybe_unused]] const T dropped = std::move(handle);
}

/// Polls `f` once and returns the permit; fails the test unless it is ready.
template <class Task>
semaphore_permit take(semaphore_acquire_future& f, Task& task) {
  auto r = f.poll(task);
  REQUIRE(r.is_ready());
  return std::move(r).get_value();
}

/// A counting task with a cooperative budget that the test sets by hand.
class budget_task {
 public:
  explicit budget_task(unsigned budget) : left_(budget) {}
  [[nodiscard]] waker get_waker() noexcept { return inner_.get_waker(); }
  [[nodiscard]] bool consume_budget() noexcept {
    if (left_ == 0) return false;
    --left_;
    return true;
  }
  void refill(unsigned budget) noexcept { left_ = budget; }
  [[nodiscard]] unsigned get_budget() const noexcept { return left_; }
  [[nodiscard]] std::size_t get_wake_count() const noexcept { return inner_.get_wake_count(); }

 private:
  counting_task inner_;
  unsigned left_;
};

static_assert(budgeted_task<budget_task>);

/// Pends `delay` times (waking itself), then acquires one permit, records `id`, holds the
/// permit across one more pending poll and completes.
struct delayed_acquirer {
  using future_concept = future_tag;
  using item_type = unit;
  using error_type = never;

  delayed_acquirer(semaphore* s, int id_, int delay_, std::vector<int>* log_)
      : sem(s), id(id_), delay(delay_), log(log_) {}

  // Moved only before its first poll (spawning moves it), so it starts afresh. (Moving the empty
  // optionals instead trips a false -Wmaybe-uninitialized in g++ 12 at -O1 with sanitizers.)
  delayed_acquirer(delayed_acquirer&& other) noexcept
      : delayed_acquirer(other.sem, other.id, other.delay, other.log) {
    assert(!other.acquiring && !other.held);
  }

  template <task Task>
  poll_result<unit, never> poll(Task& task) {
    if (delay > 0) {
      --delay;
      task.get_waker().wake();
      return pending;
    }
    if (held) {
      held.reset();
      return ready_value{};
    }
    if (!acquiring) acquiring.emplace(sem->acquire());
    auto r = acquiring->poll(task);
    if (r.is_pending()) return pending;
    acquiring.reset();
    if (r.is_failed()) return ready_value{};
    log->push_back(id);
    held.emplace(std::move(r).get_value());
    task.get_waker().wake();
    return pending;
  }

  semaphore* sem;
  int id;
  int delay;
  std::vector<int>* log;
  std::optional<semaphore_acquire_future> acquiring;
  std::optional<semaphore_permit> held;
};

/// Acquires and releases `count` permits one at a time, never holding one across a pending
/// poll, recording `id` for each; counts its own polls.
struct acquire_loop {
  using future_concept = future_tag;
  using item_type = unit;
  using error_type = never;

  acquire_loop(semaphore* s, int id_, int count_, std::vector<int>* log_, int* polls_)
      : sem(s), id(id_), count(count_), log(log_), polls(polls_) {}

  // Moved only before its first poll (spawning moves it), so it starts afresh. (Moving the empty
  // optionals instead trips a false -Wmaybe-uninitialized in g++ 12 at -O1 with sanitizers.)
  acquire_loop(acquire_loop&& other) noexcept
      : acquire_loop(other.sem, other.id, other.count, other.log, other.polls) {
    assert(!other.acquiring && other.done == 0);
  }

  template <task Task>
  poll_result<unit, never> poll(Task& task) {
    ++*polls;
    for (;;) {
      if (done == count) return ready_value{};
      if (!acquiring) acquiring.emplace(sem->acquire());
      auto r = acquiring->poll(task);
      if (r.is_pending()) return pending;
      acquiring.reset();
      log->push_back(id);
      ++done;
    }  // the permit in `r` is given back here
  }

  semaphore* sem;
  int id;
  int count;
  std::vector<int>* log;
  int* polls;
  int done = 0;
  std::optional<semaphore_acquire_future> acquiring;
};

/// Acquires `n` permits `count` times, holding them across one pending poll each time.
struct holding_loop {
  using future_concept = future_tag;
  using item_type = unit;
  using error_type = never;

  holding_loop(semaphore* s, std::size_t n_, int count_, std::size_t* failures_)
      : sem(s), n(n_), count(count_), failures(failures_) {}

  // Moved only before its first poll (spawning moves it), so it starts afresh. (Moving the empty
  // optionals instead trips a false -Wmaybe-uninitialized in g++ 12 at -O1 with sanitizers.)
  holding_loop(holding_loop&& other) noexcept
      : holding_loop(other.sem, other.n, other.count, other.failures) {
    assert(!other.acquiring && !other.held && other.done == 0);
  }

  template <task Task>
  poll_result<unit, never> poll(Task& task) {
    for (;;) {
      if (held) {
        held.reset();
        ++done;
      }
      if (done == count) return ready_value{};
      if (!acquiring) acquiring.emplace(sem->acquire(n));
      auto r = acquiring->poll(task);
      if (r.is_pending()) return pending;
      acquiring.reset();
      if (!r.is_ready() || r.get_value().get_count() != n) ++*failures;
      held.emplace(std::move(r).get_value());
      task.get_waker().wake();
      return pending;
    }
  }

  semaphore* sem;
  std::size_t n;
  int count;
  std::size_t* failures;
  int done = 0;
  std::optional<semaphore_acquire_future> acquiring;
  std::optional<semaphore_permit> held;
};

}  // namespace

TEST_CASE("the semaphore's futures and permits have the expected concepts and copy rules",
          "[sync][semaphore]") {
  using acquire_type = semaphore_acquire_future;
  STATIC_REQUIRE(future<acquire_type>);
  STATIC_REQUIRE(pollable<acquire_type, archetypes::task>);
  STATIC_REQUIRE(pollable<acquire_type, archetypes::full_task>);
  STATIC_REQUIRE(pollable<acquire_type, counting_task>);
  STATIC_REQUIRE(pollable<acquire_type, budget_task>);
  STATIC_REQUIRE(pollable<acquire_type, local::reactor::task_type>);
  STATIC_REQUIRE(std::is_same_v<item_type_t<acquire_type>, semaphore_permit>);
  STATIC_REQUIRE(std::is_same_v<error_type_t<acquire_type>, semaphore_closed>);
  STATIC_REQUIRE(std::is_same_v<decltype(std::declval<semaphore&>().acquire()), acquire_type>);
  STATIC_REQUIRE(std::is_same_v<decltype(std::declval<semaphore&>().acquire(3)), acquire_type>);
  STATIC_REQUIRE(std::is_same_v<decltype(std::declval<semaphore&>().try_acquire(2)),
                                std::optional<semaphore_permit>>);
  STATIC_REQUIRE(!std::is_copy_constructible_v<acquire_type>);
  STATIC_REQUIRE(std::is_nothrow_move_constructible_v<acquire_type>);
  STATIC_REQUIRE(!std::is_move_assignable_v<acquire_type>);
  STATIC_REQUIRE(!std::is_copy_constructible_v<semaphore_permit>);
  STATIC_REQUIRE(!std::is_copy_assignable_v<semaphore_permit>);
  STATIC_REQUIRE(std::is_nothrow_move_constructible_v<semaphore_permit>);
  STATIC_REQUIRE(std::is_nothrow_move_assignable_v<semaphore_permit>);
  STATIC_REQUIRE(!std::is_copy_constructible_v<semaphore>);
  STATIC_REQUIRE(!std::is_move_constructible_v<semaphore>);
  STATIC_REQUIRE(!std::is_convertible_v<std::size_t, semaphore>);
}

TEST_CASE("a semaphore acquire is ready when permits are free and its permit gives them back",
          "[sync][semaphore]") {
  counting_task task;
  semaphore sem(3);
  CHECK(sem.get_available_permits() == 3);
  auto f = sem.acquire(2);
  CHECK(f.get_requested() == 2);
  CHECK(sem.get_available_permits() == 3);  // nothing happens before the first poll
  {
    semaphore_permit p = take(f, task);
    CHECK(p.get_count() == 2);
    CHECK(sem.get_available_permits() == 1);
    CHECK_THROWS_AS(f.poll(task), polled_after_completion);
    semaphore_permit moved = std::move(p);
    CHECK(p.get_count() == 0);  // NOLINT(bugprone-use-after-move)
    CHECK(moved.get_count() == 2);
    p.reset();  // an empty permit gives nothing back
    CHECK(sem.get_available_permits() == 1);
  }
  CHECK(sem.get_available_permits() == 3);
  CHECK(task.get_wake_count() == 0);
  CHECK(task.get_live_handles() == 0);
}

TEST_CASE("semaphore try_acquire takes permits at once or gives nullopt", "[sync][semaphore]") {
  semaphore sem(2);
  auto one = sem.try_acquire();
  REQUIRE(one.has_value());
  CHECK(one->get_count() == 1);
  CHECK_FALSE(sem.try_acquire(2).has_value());
  auto two = sem.try_acquire();
  REQUIRE(two.has_value());
  CHECK_FALSE(sem.try_acquire().has_value());
  auto none = sem.try_acquire(0);  // zero permits take nothing from anyone
  REQUIRE(none.has_value());
  CHECK(none->get_count() == 0);
  CHECK(sem.get_available_permits() == 0);
  SECTION("reset gives the permits back now") {
    one->reset();
    CHECK(sem.get_available_permits() == 1);
  }
  SECTION("move assignment gives the target's permits back first") {
    *one = std::move(*two);
    CHECK(one->get_count() == 1);
    CHECK(two->get_count() == 0);
    CHECK(sem.get_available_permits() == 1);
  }
  one.reset();
  two.reset();
  CHECK(sem.get_available_permits() == 2);
}

TEST_CASE("a semaphore acquire of zero permits is ready at once, even while others wait",
          "[sync][semaphore]") {
  counting_task task;
  semaphore sem(1);
  auto held = sem.try_acquire();
  auto waiting = sem.acquire();
  CHECK(waiting.poll(task).is_pending());
  auto zero = sem.acquire(0);
  CHECK(take(zero, task).get_count() == 0);
  CHECK(sem.get_waiter_count() == 1);
  held.reset();
  CHECK(take(waiting, task).get_count() == 1);
}

TEST_CASE("semaphore waiters are served in FIFO order and each release wakes only those it serves",
          "[sync][semaphore]") {
  counting_task task_a;
  counting_task task_b;
  counting_task task_c;
  semaphore sem(1);
  auto held = sem.try_acquire();
  auto a = sem.acquire();
  auto b = sem.acquire();
  auto c = sem.acquire();
  CHECK(a.poll(task_a).is_pending());
  CHECK(b.poll(task_b).is_pending());
  CHECK(c.poll(task_c).is_pending());
  CHECK(sem.get_waiter_count() == 3);

  held.reset();  // exactly the oldest waiter is woken
  CHECK(task_a.get_wake_count() == 1);
  CHECK(task_b.get_wake_count() == 0);
  CHECK(task_c.get_wake_count() == 0);
  CHECK(task_a.get_live_handles() == 0);  // the handle was given up as it was woken
  CHECK(sem.get_waiter_count() == 2);
  CHECK(sem.get_available_permits() == 0);  // the permit is a's already
  CHECK_FALSE(sem.try_acquire().has_value());

  CHECK(c.poll(task_c).is_pending());  // c still waits behind b
  semaphore_permit pa = take(a, task_a);
  pa.reset();
  CHECK(task_b.get_wake_count() == 1);
  CHECK(task_c.get_wake_count() == 0);
  semaphore_permit pb = take(b, task_b);
  pb.reset();
  CHECK(task_c.get_wake_count() == 1);
  semaphore_permit pc = take(c, task_c);
  CHECK(sem.get_waiter_count() == 0);
  pc.reset();
  CHECK(sem.get_available_permits() == 1);
}

TEST_CASE("one semaphore release serves as many waiters as it can, in order, and wakes no one else",
          "[sync][semaphore]") {
  counting_task task_a;
  counting_task task_b;
  counting_task task_c;
  semaphore sem(3);
  auto held = sem.try_acquire(3);
  auto a = sem.acquire(1);
  auto b = sem.acquire(2);
  auto c = sem.acquire(1);
  CHECK(a.poll(task_a).is_pending());
  CHECK(b.poll(task_b).is_pending());
  CHECK(c.poll(task_c).is_pending());
  held.reset();  // 3 permits: 1 for a, 2 for b, none left for c
  CHECK(task_a.get_wake_count() == 1);
  CHECK(task_b.get_wake_count() == 1);
  CHECK(task_c.get_wake_count() == 0);
  CHECK(sem.get_waiter_count() == 1);
  CHECK(sem.get_available_permits() == 0);
  CHECK(take(a, task_a).get_count() == 1);  // a's permit is dropped at once: c is served
  CHECK(task_c.get_wake_count() == 1);
  CHECK(take(b, task_b).get_count() == 2);
  CHECK(take(c, task_c).get_count() == 1);
  CHECK(sem.get_available_permits() == 3);
}

TEST_CASE("a semaphore newcomer cannot barge ahead of a queued waiter that needs more permits",
          "[sync][semaphore]") {
  counting_task big_task;
  counting_task small_task;
  counting_task newcomer_task;
  semaphore sem(3);
  auto held = sem.try_acquire(2);
  CHECK(sem.get_available_permits() == 1);
  auto big = sem.acquire(3);
  CHECK(big.poll(big_task).is_pending());
  // The free permit was assigned to the head waiter: none is free for anyone else.
  CHECK(sem.get_available_permits() == 0);
  CHECK_FALSE(sem.try_acquire().has_value());
  auto small = sem.acquire(1);
  CHECK(small.poll(small_task).is_pending());

  held->reset();  // 2 more: big has its 3
  CHECK(big_task.get_wake_count() == 1);
  CHECK(small_task.get_wake_count() == 0);
  CHECK_FALSE(sem.try_acquire().has_value());
  auto newcomer = sem.acquire(1);
  CHECK(newcomer.poll(newcomer_task).is_pending());  // behind small
  CHECK(sem.get_waiter_count() == 2);

  semaphore_permit p = take(big, big_task);
  CHECK(p.get_count() == 3);
  p.reset();  // small first, then the newcomer; one left free
  CHECK(small_task.get_wake_count() == 1);
  CHECK(newcomer_task.get_wake_count() == 1);
  CHECK(sem.get_available_permits() == 1);
  CHECK(take(small, small_task).get_count() == 1);
  CHECK(take(newcomer, newcomer_task).get_count() == 1);
  CHECK(sem.get_available_permits() == 3);
}

TEST_CASE("a multi-permit semaphore acquire waits behind a smaller one and holds up those after it",
          "[sync][semaphore]") {
  counting_task task_a;
  counting_task task_b;
  counting_task task_c;
  semaphore sem(1);
  auto held = sem.try_acquire();
  auto a = sem.acquire(1);
  auto b = sem.acquire(2);
  auto c = sem.acquire(1);
  CHECK(a.poll(task_a).is_pending());
  CHECK(b.poll(task_b).is_pending());
  CHECK(c.poll(task_c).is_pending());

  held.reset();
  CHECK(task_a.get_wake_count() == 1);
  sem.add_permits(1);  // assigned to b, which still needs one more; c is not served
  CHECK(task_b.get_wake_count() == 0);
  CHECK(task_c.get_wake_count() == 0);
  CHECK(sem.get_available_permits() == 0);
  semaphore_permit pa = take(a, task_a);
  CHECK(b.poll(task_b).is_pending());
  pa.reset();  // b complete
  CHECK(task_b.get_wake_count() == 1);
  CHECK(task_c.get_wake_count() == 0);
  semaphore_permit pb = take(b, task_b);
  CHECK(pb.get_count() == 2);
  pb.reset();
  CHECK(task_c.get_wake_count() == 1);
  CHECK(take(c, task_c).get_count() == 1);
  CHECK(sem.get_available_permits() == 2);
}

TEST_CASE("a dropped waiting semaphore acquire loses no permits and does not block those behind it",
          "[sync][semaphore]") {
  counting_task task_a;
  counting_task task_b;
  semaphore sem(3);
  auto b = sem.acquire(1);
  SECTION("dropped before its first poll") {
    { auto a = sem.acquire(3); }
    CHECK(sem.get_available_permits() == 3);
    CHECK(take(b, task_b).get_count() == 1);
  }
  SECTION("dropped while queued with no permits assigned") {
    auto held = sem.try_acquire(3);
    auto first = sem.acquire(1);
    CHECK(first.poll(task_a).is_pending());
    {
      auto a = sem.acquire(2);
      CHECK(a.poll(task_a).is_pending());
      CHECK(b.poll(task_b).is_pending());
      CHECK(sem.get_waiter_count() == 3);
    }
    CHECK(sem.get_waiter_count() == 2);
    held->reset();  // first and b are served; a's turn is gone
    CHECK(task_b.get_wake_count() == 1);
    CHECK(sem.get_available_permits() == 1);
    CHECK(take(first, task_a).get_count() == 1);
    CHECK(take(b, task_b).get_count() == 1);
  }
  SECTION("dropped at the head with some of its permits assigned") {
    auto held = sem.try_acquire(2);
    {
      auto a = sem.acquire(3);
      CHECK(a.poll(task_a).is_pending());  // takes the free permit, waits for two more
      CHECK(b.poll(task_b).is_pending());
      CHECK(sem.get_available_permits() == 0);
    }
    // a's permit went on to b.
    CHECK(task_b.get_wake_count() == 1);
    CHECK(sem.get_waiter_count() == 0);
    CHECK(sem.get_available_permits() == 0);
    CHECK(take(b, task_b).get_count() == 1);
    CHECK(sem.get_available_permits() == 1);
    held.reset();
  }
  SECTION("dropped after all its permits were assigned, before it polled") {
    auto held = sem.try_acquire(3);
    {
      auto a = sem.acquire(2);
      CHECK(a.poll(task_a).is_pending());
      CHECK(b.poll(task_b).is_pending());
      held->reset();  // a has its 2, b its 1
      CHECK(task_a.get_wake_count() == 1);
      CHECK(task_b.get_wake_count() == 1);
      CHECK(sem.get_available_permits() == 0);
    }
    CHECK(sem.get_available_permits() == 2);  // a's permits came back
    CHECK(take(b, task_b).get_count() == 1);
  }
  SECTION("dropped after all its permits were assigned passes them to the next waiter") {
    auto held = sem.try_acquire(3);
    {
      auto a = sem.acquire(3);
      CHECK(a.poll(task_a).is_pending());
      CHECK(b.poll(task_b).is_pending());
      held->reset();
      CHECK(task_a.get_wake_count() == 1);
      CHECK(task_b.get_wake_count() == 0);
    }
    CHECK(task_b.get_wake_count() == 1);
    CHECK(sem.get_available_permits() == 2);
    CHECK(take(b, task_b).get_count() == 1);
  }
  CHECK(sem.get_waiter_count() == 0);
  CHECK(sem.get_available_permits() == 3);
  CHECK(task_a.get_live_handles() == 0);
  CHECK(task_b.get_live_handles() == 0);
}

TEST_CASE("a moved semaphore acquire future keeps its place in the queue, or its assigned permits",
          "[sync][semaphore]") {
  counting_task task;
  semaphore sem(1);
  auto held = sem.try_acquire();
  auto a = sem.acquire();
  auto b = sem.acquire();
  auto c = sem.acquire();
  CHECK(a.poll(task).is_pending());
  CHECK(b.poll(task).is_pending());
  CHECK(c.poll(task).is_pending());
  // Move the head, the middle and the tail of the queue.
  auto moved_b = std::make_unique<semaphore_acquire_future>(std::move(b));
  std::optional<semaphore_acquire_future> moved_a;
  moved_a.emplace(std::move(a));
  auto moved_c = std::move(c);
  CHECK_THROWS_AS(b.poll(task), polled_after_completion);  // NOLINT(bugprone-use-after-move)
  CHECK(task.get_live_handles() == 3);
  CHECK(sem.get_waiter_count() == 3);

  held.reset();
  CHECK(moved_c.poll(task).is_pending());
  CHECK(moved_b->poll(task).is_pending());
  auto last = std::move(moved_a);  // moved while its permit is assigned: the grant moves along
  moved_a.reset();
  semaphore_permit pa = take(*last, task);
  pa.reset();
  CHECK(moved_c.poll(task).is_pending());  // still behind b
  semaphore_permit pb = take(*moved_b, task);
  pb.reset();
  CHECK(take(moved_c, task).get_count() == 1);
  CHECK(task.get_live_handles() == 0);
  CHECK(sem.get_available_permits() == 1);
}

TEST_CASE("a waiting semaphore acquire keeps one handle over spurious polls and follows a new task",
          "[sync][semaphore]") {
  counting_task task_a;
  counting_task task_b;
  semaphore sem(1);
  auto held = sem.try_acquire();
  auto f = sem.acquire();
  for (int i = 0; i < 4; ++i) CHECK(f.poll(task_a).is_pending());
  CHECK(task_a.get_live_handles() == 1);
  CHECK(f.poll(task_b).is_pending());  // polled by another task now: its handle replaces a's
  CHECK(task_a.get_live_handles() == 0);
  CHECK(task_b.get_live_handles() == 1);
  held.reset();
  CHECK(task_a.get_wake_count() == 0);
  CHECK(task_b.get_wake_count() == 1);
  CHECK(take(f, task_b).get_count() == 1);
  CHECK(task_b.get_live_handles() == 0);
}

TEST_CASE("semaphore close fails queued and later acquires but keeps grants and the permits held",
          "[sync][semaphore]") {
  counting_task task_a;
  counting_task task_b;
  counting_task task_c;
  semaphore sem(2);
  auto held = sem.try_acquire();
  auto a = sem.acquire(2);
  auto b = sem.acquire(1);
  CHECK(a.poll(task_a).is_pending());  // one permit assigned to it
  CHECK(b.poll(task_b).is_pending());
  CHECK(sem.get_available_permits() == 0);
  CHECK_FALSE(sem.is_closed());

  sem.close();
  CHECK(sem.is_closed());
  CHECK(task_a.get_wake_count() == 1);
  CHECK(task_b.get_wake_count() == 1);
  CHECK(task_a.get_live_handles() == 0);
  CHECK(task_b.get_live_handles() == 0);
  CHECK(sem.get_waiter_count() == 0);
  CHECK(sem.get_available_permits() == 1);  // a's assigned permit is free again
  auto ra = a.poll(task_a);
  REQUIRE(ra.is_failed());
  CHECK(ra.get_error() == semaphore_closed{});
  CHECK(b.poll(task_b).is_failed());
  CHECK_THROWS_AS(a.poll(task_a), polled_after_completion);

  auto later = sem.acquire(1);
  CHECK(later.poll(task_c).is_failed());
  CHECK_FALSE(sem.try_acquire().has_value());  // even with a permit free
  auto zero = sem.acquire(0);
  CHECK(zero.poll(task_c).is_failed());
  CHECK_FALSE(sem.try_acquire(0).has_value());
  held.reset();
  CHECK(sem.get_available_permits() == 2);
}

TEST_CASE("a semaphore acquire whose permits were assigned before close still completes with them",
          "[sync][semaphore]") {
  counting_task task;
  semaphore sem(1);
  auto held = sem.try_acquire();
  auto f = sem.acquire();
  CHECK(f.poll(task).is_pending());
  held.reset();
  sem.close();
  semaphore_permit p = take(f, task);
  CHECK(p.get_count() == 1);
  p.reset();
  CHECK(sem.get_available_permits() == 1);
}

TEST_CASE("add_permits serves waiters first, forget shrinks the semaphore, and overflow throws",
          "[sync][semaphore]") {
  counting_task task;
  semaphore sem(0);
  auto f = sem.acquire(2);
  CHECK(f.poll(task).is_pending());
  sem.add_permits(1);
  CHECK(task.get_wake_count() == 0);
  CHECK(sem.get_available_permits() == 0);
  sem.add_permits(2);
  CHECK(task.get_wake_count() == 1);
  CHECK(sem.get_available_permits() == 1);
  semaphore_permit p = take(f, task);
  p.forget();  // the two permits are gone for good
  CHECK(p.get_count() == 0);
  CHECK(sem.get_available_permits() == 1);
  CHECK_THROWS_AS(sem.add_permits(semaphore::max_permits), std::overflow_error);
  CHECK(sem.get_available_permits() == 1);
  sem.add_permits(semaphore::max_permits - 1);
  CHECK(sem.get_available_permits() == semaphore::max_permits);
}

TEST_CASE("with no budget left a semaphore acquire is pending, wakes its task and keeps its grant",
          "[sync][semaphore][budget]") {
  budget_task task(0);
  semaphore sem(1);
  SECTION("a newcomer takes nothing and holds no place") {
    auto f = sem.acquire();
    CHECK(f.poll(task).is_pending());
    CHECK(task.get_wake_count() == 1);
    CHECK(sem.get_available_permits() == 1);
    CHECK(sem.get_waiter_count() == 0);
    task.refill(1);
    CHECK(take(f, task).get_count() == 1);
    CHECK(task.get_budget() == 0);
  }
  SECTION("a waiter whose permits were assigned keeps them") {
    auto held = sem.try_acquire();
    auto f = sem.acquire();
    CHECK(f.poll(task).is_pending());  // queued: a pending poll takes no budget and no wake
    CHECK(task.get_wake_count() == 0);
    held.reset();
    CHECK(task.get_wake_count() == 1);
    CHECK(f.poll(task).is_pending());  // budget spent: woken again, the permit stays its own
    CHECK(task.get_wake_count() == 2);
    CHECK(sem.get_available_permits() == 0);
    CHECK_FALSE(sem.try_acquire().has_value());
    task.refill(3);
    CHECK(take(f, task).get_count() == 1);
    CHECK(task.get_budget() == 2);
  }
  CHECK(sem.get_available_permits() == 1);
}

TEST_CASE("local reactor tasks acquire a semaphore in the order they queued, not the spawn order",
          "[sync][semaphore][reactor]") {
  semaphore sem(1);
  std::vector<int> order;
  local::reactor reactor;
  auto gate = sem.try_acquire();
  // Task `id` waits `id` rounds before it queues, so the queue order is 0, 1, 2, 3, 4.
  for (const int id : {3, 0, 4, 1, 2}) {
    reactor.spawn_detached(delayed_acquirer(&sem, id, id, &order));
  }
  reactor.run_until_idle();
  CHECK(sem.get_waiter_count() == 5);
  CHECK(order.empty());
  gate.reset();
  reactor.run_until_idle();
  CHECK(order == std::vector<int>{0, 1, 2, 3, 4});
  CHECK(reactor.get_task_count() == 0);
  CHECK(sem.get_available_permits() == 1);
}

TEST_CASE("with a cooperative budget a task acquiring a semaphore in a loop yields to its siblings",
          "[sync][semaphore][reactor][budget]") {
  semaphore sem(1);
  std::vector<int> log;
  int polls_a = 0;
  int polls_b = 0;
  local::reactor reactor;
  SECTION("budget of 4") {
    reactor.set_coop_budget(4);
    reactor.spawn_detached(acquire_loop(&sem, 0, 10, &log, &polls_a));
    reactor.spawn_detached(acquire_loop(&sem, 1, 10, &log, &polls_b));
    reactor.run_until_idle();
    CHECK(log == std::vector<int>{0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 1, 1});
    CHECK(polls_a == 3);
    CHECK(polls_b == 3);
  }
  SECTION("no budget") {
    reactor.spawn_detached(acquire_loop(&sem, 0, 10, &log, &polls_a));
    reactor.spawn_detached(acquire_loop(&sem, 1, 10, &log, &polls_b));
    reactor.run_until_idle();
    CHECK(log == std::vector<int>{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1});
    CHECK(polls_a == 1);
    CHECK(polls_b == 1);
  }
  CHECK(reactor.get_task_count() == 0);
  CHECK(sem.get_available_permits() == 1);
}

TEST_CASE("block_on completes a root that acquires a semaphore in a loop under a budget of 4",
          "[sync][semaphore][reactor][budget]") {
  semaphore sem(2);
  std::vector<int> log;
  int polls = 0;
  local::reactor reactor;
  reactor.set_coop_budget(4);
  auto r = reactor.block_on(acquire_loop(&sem, 7, 25, &log, &polls));
  CHECK(r.is_ready());
  CHECK(log.size() == 25);
  CHECK(polls == 7);  // 4 acquires a poll, then a pending poll
}

TEST_CASE("tasks contending for semaphore permits on the local reactor share them and all complete",
          "[sync][semaphore][reactor]") {
  semaphore sem(3);
  std::size_t failures = 0;
  local::reactor reactor;
  reactor.set_coop_budget(4);
  reactor.spawn_detached(holding_loop(&sem, 2, 20, &failures));
  reactor.spawn_detached(holding_loop(&sem, 1, 20, &failures));
  reactor.spawn_detached(holding_loop(&sem, 3, 20, &failures));
  reactor.spawn_detached(holding_loop(&sem, 1, 20, &failures));
  reactor.run_until_idle();
  CHECK(failures == 0);
  CHECK(reactor.get_task_count() == 0);
  CHECK(sem.get_available_permits() == 3);
  CHECK(sem.get_waiter_count() == 0);
}

TEST_CASE("semaphore acquires that wait, move and release allocate nothing", "[sync][semaphore]") {
  counting_task task_a;
  counting_task task_b;
  semaphore sem(2);
  int failures = 0;  // no Catch assertions inside the counted loop
  {
    allocation_counter allocs;
    for (int i = 0; i < 100; ++i) {
      auto held = sem.try_acquire(2);
      if (!held) ++failures;
      auto f1 = sem.acquire(1);
      auto f2 = sem.acquire(2);
      if (!f1.poll(task_a).is_pending()) ++failures;
      if (!f2.poll(task_b).is_pending()) ++failures;
      auto moved = std::move(f2);  // relinked
      held.reset();                // f1 served, one permit assigned to f2
      auto r1 = f1.poll(task_a);
      if (!r1.is_ready()) ++failures;
      { const semaphore_permit p = std::move(r1).get_value(); }  // f2 served
      auto r2 = moved.poll(task_b);
      if (!r2.is_ready() || r2.get_value().get_count() != 2) ++failures;
    }
    CHECK(allocs.get_count() == 0);
  }
  CHECK(failures == 0);
  CHECK(task_a.get_wake_count() == 100);
  CHECK(task_b.get_wake_count() == 100);
  CHECK(sem.get_available_permits() == 2);
}

TEST_CASE("tasks contending for a semaphore on a warm local reactor allocate nothing",
          "[sync][semaphore][reactor]") {
  semaphore sem(1);
  std::size_t failures = 0;
  local::reactor reactor;
  // Warm the reactor up: the group and the ready queue for three tasks of this type.
  for (int i = 0; i < 3; ++i) reactor.spawn_detached(holding_loop(&sem, 1, 1, &failures));
  reactor.run_until_idle();
  for (int i = 0; i < 3; ++i) reactor.spawn_detached(holding_loop(&sem, 1, 50, &failures));
  {
    allocation_counter allocs;
    reactor.run_until_idle();
    CHECK(allocs.get_count() == 0);
  }
  CHECK(failures == 0);
  CHECK(reactor.get_task_count() == 0);
  CHECK(sem.get_available_permits() == 1);
}
