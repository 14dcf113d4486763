#include <gentask/sync/mutex.hpp>

#include <gentask/core/budget.hpp>
#include <gentask/core/errors.hpp>
#include <gentask/core/future.hpp>
#include <gentask/core/pollable.hpp>
#include <gentask/core/task_archetypes.hpp>
#include <gentask/core/unit.hpp>
#include <gentask/reactors/local/reactor.hpp>
#include <gentask/spawn/join_handle.hpp>
#include <gentask/spawn/spawn.hpp>

#include "support/alloc_counter.hpp"
#include "support/counting_task.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

using namespace gentask;
using namespace gentask::test;

namespace {

/// Polls `f` once and returns the guard; fails the test unless it is ready.
template <class T, class Task>
mutex_guard<T> take(mutex_lock_future<T>& f, Task& task) {
  auto r = f.poll(task);
  REQUIRE(r.is_ready());
  return std::move(r).get_value();
}

/// What the incrementing tasks observe.
struct counter_stats {
  int inside = 0;  // tasks holding the guard now
  int max_inside = 0;
  std::size_t max_waiters = 0;
  int completed = 0;
};

/// `rounds` times: locks, reads the value, yields while holding the guard (so the other tasks
/// run and queue up), writes the value + 1 and unlocks. Without mutual exclusion the yields
/// would lose updates.
struct incrementer {
  using future_concept = future_tag;
  using item_type = unit;
  using error_type = never;

  incrementer(async_mutex<int>* m, int rounds_, counter_stats* stats_)
      : mutex(m), rounds(rounds_), stats(stats_) {}

  // Moved only before its first poll (spawning moves it), so it starts afresh. (Moving the empty
  // optionals instead trips a false -Wmaybe-uninitialized in g++ 12 at -O1 with sanitizers.)
  incrementer(incrementer&& other) noexcept : incrementer(other.mutex, other.rounds, other.stats) {
    assert(!other.locking && !other.guard && other.done == 0);
  }

  template <task Task>
  poll_result<unit, never> poll(Task& task) {
    for (;;) {
      if (guard) {
        **guard = read + 1;
        --stats->inside;
        guard.reset();
        ++done;
      }
      if (done == rounds) {
        ++stats->completed;
        return ready_value{};
      }
      if (!locking) locking.emplace(mutex->lock());
      auto r = locking->poll(task);
      stats->max_waiters = std::max(stats->max_waiters, mutex->get_waiter_count());
      if (r.is_pending()) return pending;
      locking.reset();
      guard.emplace(std::move(r).get_value());
      stats->max_inside = std::max(stats->max_inside, ++stats->inside);
      read = **guard;
      task.get_waker().wake();  // yield while holding the lock
      return pending;
    }
  }

  async_mutex<int>* mutex;
  int rounds;
  counter_stats* stats;
  int done = 0;
  int read = 0;
  std::optional<mutex_lock_future<int>> locking;
  std::optional<mutex_guard<int>> guard;
};

/// The root: spawns `tasks` incrementers through its task, then joins them all.
struct spawn_incrementers {
  using future_concept = future_tag;
  using item_type = unit;
  using error_type = never;

  spawn_incrementers(async_mutex<int>* m, int tasks_, int rounds_, counter_stats* stats_)
      : mutex(m), tasks(tasks_), rounds(rounds_), stats(stats_) {}

  template <spawning_task Task>
  poll_result<unit, never> poll(Task& task) {
    if (handles.empty()) {
      for (int i = 0; i < tasks; ++i) {
        handles.push_back(gentask::spawn(task, incrementer(mutex, rounds, stats)));
      }
    }
    while (joined < handles.size()) {
      auto r = handles[joined].poll(task);
      if (r.is_pending()) return pending;
      ++joined;
    }
    return ready_value{};
  }

  async_mutex<int>* mutex;
  int tasks;
  int rounds;
  counter_stats* stats;
  std::vector<join_handle<unit, never>> handles;
  std::size_t joined = 0;
};

/// Locks and unlocks `count` times without holding the lock across a pending poll, recording
/// `id` each time; counts its own polls.
struct lock_loop {
  using future_concept = future_tag;
  using item_type = unit;
  using error_type = never;

  lock_loop(async_mutex<int>* m, int id_, int count_, std::vector<int>* log_, int* polls_)
      : mutex(m), id(id_), count(count_), log(log_), polls(polls_) {}

  // Moved only before its first poll (spawning moves it), so it starts afresh. (Moving the empty
  // optionals instead trips a false -Wmaybe-uninitialized in g++ 12 at -O1 with sanitizers.)
  lock_loop(lock_loop&& other) noexcept
      : lock_loop(other.mutex, other.id, other.count, other.log, other.polls) {
    assert(!other.locking && other.done == 0);
  }

  template <task Task>
  poll_result<unit, never> poll(Task& task) {
    ++*polls;
    for (;;) {
      if (done == count) return ready_value{};
      if (!locking) locking.emplace(mutex->lock());
      auto r = locking->poll(task);
      if (r.is_pending()) return pending;
      locking.reset();
      ++*r.get_value();
      log->push_back(id);
      ++done;
    }  // the guard in `r` unlocks here
  }

  async_mutex<int>* mutex;
  int id;
  int count;
  std::vector<int>* log;
  int* polls;
  int done = 0;
  std::optional<mutex_lock_future<int>> locking;
};

/// A value that can be neither copied nor moved.
struct pinned_value {
  explicit pinned_value(int a, int b) : sum(a + b) {}
  pinned_value(const pinned_value&) = delete;
  pinned_value& operator=(const pinned_value&) = delete;
  int sum;
};

}  // namespace

TEST_CASE("the mutex's lock future and guard have the expected concepts and copy rules",
          "[sync][mutex]") {
  using lock_type = mutex_lock_future<int>;
  using guard_type = mutex_guard<int>;
  STATIC_REQUIRE(future<lock_type>);
  STATIC_REQUIRE(pollable<lock_type, archetypes::task>);
  STATIC_REQUIRE(pollable<lock_type, archetypes::full_task>);
  STATIC_REQUIRE(pollable<lock_type, counting_task>);
  STATIC_REQUIRE(pollable<lock_type, local::reactor::task_type>);
  STATIC_REQUIRE(std::is_same_v<item_type_t<lock_type>, guard_type>);
  STATIC_REQUIRE(std::is_same_v<error_type_t<lock_type>, never>);
  STATIC_REQUIRE(std::is_same_v<decltype(std::declval<async_mutex<int>&>().lock()), lock_type>);
  STATIC_REQUIRE(std::is_same_v<decltype(std::declval<async_mutex<int>&>().try_lock()),
                                std::optional<guard_type>>);
  STATIC_REQUIRE(std::is_same_v<decltype(*std::declval<const guard_type&>()), int&>);
  STATIC_REQUIRE(std::is_same_v<decltype(std::declval<const guard_type&>().operator->()), int*>);
  STATIC_REQUIRE(!std::is_copy_constructible_v<lock_type>);
  STATIC_REQUIRE(std::is_nothrow_move_constructible_v<lock_type>);
  STATIC_REQUIRE(!std::is_move_assignable_v<lock_type>);
  STATIC_REQUIRE(!std::is_copy_constructible_v<guard_type>);
  STATIC_REQUIRE(!std::is_copy_assignable_v<guard_type>);
  STATIC_REQUIRE(std::is_nothrow_move_constructible_v<guard_type>);
  STATIC_REQUIRE(std::is_nothrow_move_assignable_v<guard_type>);
  STATIC_REQUIRE(!std::is_default_constructible_v<guard_type>);
  STATIC_REQUIRE(!std::is_copy_constructible_v<async_mutex<int>>);
  STATIC_REQUIRE(!std::is_move_constructible_v<async_mutex<int>>);
  STATIC_REQUIRE(std::is_default_constructible_v<async_mutex<std::string>>);
  STATIC_REQUIRE(!std::is_default_constructible_v<async_mutex<pinned_value>>);
  STATIC_REQUIRE(std::is_constructible_v<async_mutex<pinned_value>, std::in_place_t, int, int>);
}

TEST_CASE("an unlocked mutex locks at once and the guard reaches the value and unlocks",
          "[sync][mutex]") {
  counting_task task;
  async_mutex<std::string> m("abc");
  CHECK_FALSE(m.is_locked());
  auto f = m.lock();
  CHECK_FALSE(m.is_locked());  // nothing happens before the first poll
  {
    mutex_guard<std::string> g = take(f, task);
    CHECK(m.is_locked());
    CHECK(*g == "abc");
    g->append("def");
    CHECK(g->size() == 6);
    CHECK_THROWS_AS(f.poll(task), polled_after_completion);
    CHECK_FALSE(m.try_lock().has_value());
  }
  CHECK_FALSE(m.is_locked());
  auto g = m.try_lock();
  REQUIRE(g.has_value());
  CHECK(**g == "abcdef");
  CHECK(task.get_wake_count() == 0);
  CHECK(task.get_live_handles() == 0);
}

TEST_CASE("a mutex can hold a value made in place", "[sync][mutex]") {
  async_mutex<pinned_value> m(std::in_place, 2, 3);
  auto g = m.try_lock();
  REQUIRE(g.has_value());
  CHECK((*g)->sum == 5);
  async_mutex<int> zero;
  CHECK(**zero.try_lock() == 0);
}

TEST_CASE("mutex lockers get the lock in FIFO order and each unlock wakes exactly the next one",
          "[sync][mutex]") {
  counting_task task_a;
  counting_task task_b;
  counting_task task_c;
  async_mutex<std::vector<int>> m;
  auto held = m.try_lock();
  REQUIRE(held.has_value());
  auto a = m.lock();
  auto b = m.lock();
  auto c = m.lock();
  CHECK(a.poll(task_a).is_pending());
  CHECK(b.poll(task_b).is_pending());
  CHECK(c.poll(task_c).is_pending());
  CHECK(m.get_waiter_count() == 3);

  held.reset();
  CHECK(task_a.get_wake_count() == 1);
  CHECK(task_b.get_wake_count() == 0);
  CHECK(task_c.get_wake_count() == 0);
  CHECK(m.is_locked());  // passed to a, which has not polled yet
  CHECK_FALSE(m.try_lock().has_value());
  CHECK(m.get_waiter_count() == 2);

  take(a, task_a)->push_back(1);  // the guard unlocks at the end of the statement
  CHECK(task_b.get_wake_count() == 1);
  CHECK(task_c.get_wake_count() == 0);
  take(b, task_b)->push_back(2);
  CHECK(task_c.get_wake_count() == 1);
  take(c, task_c)->push_back(3);
  CHECK_FALSE(m.is_locked());
  CHECK(**m.try_lock() == std::vector<int>{1, 2, 3});
  CHECK(task_a.get_live_handles() == 0);
  CHECK(task_b.get_live_handles() == 0);
  CHECK(task_c.get_live_handles() == 0);
}

TEST_CASE("a dropped mutex lock future does not block the lockers behind it", "[sync][mutex]") {
  counting_task task_a;
  counting_task task_b;
  async_mutex<int> m;
  auto held = m.try_lock();
  auto b = m.lock();
  SECTION("dropped while it waits") {
    {
      auto a = m.lock();
      CHECK(a.poll(task_a).is_pending());
      CHECK(b.poll(task_b).is_pending());
    }
    CHECK(m.get_waiter_count() == 1);
    held.reset();
    CHECK(task_b.get_wake_count() == 1);
  }
  SECTION("dropped after the lock was passed to it") {
    {
      auto a = m.lock();
      CHECK(a.poll(task_a).is_pending());
      CHECK(b.poll(task_b).is_pending());
      held.reset();
      CHECK(task_a.get_wake_count() == 1);
      CHECK(task_b.get_wake_count() == 0);
    }
    CHECK(task_b.get_wake_count() == 1);  // the lock was passed on
  }
  CHECK(m.is_locked());
  {
    mutex_guard<int> g = take(b, task_b);
    *g = 7;
  }
  CHECK_FALSE(m.is_locked());
  CHECK(m.get_waiter_count() == 0);
  CHECK(**m.try_lock() == 7);
}

TEST_CASE("a moved mutex lock future keeps its place and a moved guard keeps the lock",
          "[sync][mutex]") {
  counting_task task;
  async_mutex<int> m;
  auto held = m.try_lock();
  auto a = m.lock();
  auto b = m.lock();
  CHECK(a.poll(task).is_pending());
  CHECK(b.poll(task).is_pending());
  auto moved_a = std::move(a);
  auto moved_b = std::move(b);
  CHECK_THROWS_AS(a.poll(task), polled_after_completion);  // NOLINT(bugprone-use-after-move)
  CHECK(m.get_waiter_count() == 2);

  mutex_guard<int> g = std::move(*held);
  held.reset();  // the moved-from guard unlocks nothing
  CHECK(task.get_wake_count() == 0);
  *g = 1;
  { const mutex_guard<int> dropped = std::move(g); }
  CHECK(task.get_wake_count() == 1);
  mutex_guard<int> ga = take(moved_a, task);
  CHECK(*ga == 1);
  CHECK(moved_b.poll(task).is_pending());
  SECTION("a move assignment unlocks the target's mutex first") {
    async_mutex<int> other(5);
    auto go = other.try_lock();
    REQUIRE(go.has_value());
    ga = std::move(*go);
    CHECK(*ga == 5);
    CHECK(task.get_wake_count() == 2);  // m was unlocked: b has it
    CHECK(other.is_locked());
    ga = std::move(*go);  // from an empty guard: unlocks other
    CHECK_FALSE(other.is_locked());
  }
  SECTION("dropping the guard") { const mutex_guard<int> dropped = std::move(ga); }
  CHECK(take(moved_b, task).operator->() != nullptr);
  CHECK_FALSE(m.is_locked());
}

TEST_CASE("with no budget left a mutex lock future is pending, wakes its task and keeps the lock",
          "[sync][mutex][budget]") {
  // A task with a budget the test sets by hand.
  struct budget_task {
    counting_task inner;
    unsigned left = 0;
    waker get_waker() noexcept { return inner.get_waker(); }
    bool consume_budget() noexcept {
      if (left == 0) return false;
      --left;
      return true;
    }
  };
  STATIC_REQUIRE(budgeted_task<budget_task>);
  budget_task task;
  async_mutex<int> m;
  auto held = m.try_lock();
  auto f = m.lock();
  CHECK(f.poll(task).is_pending());
  CHECK(task.inner.get_wake_count() == 0);
  held.reset();
  CHECK(task.inner.get_wake_count() == 1);
  CHECK(f.poll(task).is_pending());
  CHECK(task.inner.get_wake_count() == 2);
  CHECK(m.is_locked());
  CHECK_FALSE(m.try_lock().has_value());
  task.left = 1;
  CHECK(take(f, task).operator->() != nullptr);
  CHECK(task.left == 0);
  CHECK_FALSE(m.is_locked());
}

TEST_CASE("with a cooperative budget of 4 tasks locking a mutex in a loop yield to each other",
          "[sync][mutex][reactor][budget]") {
  async_mutex<int> m;
  std::vector<int> log;
  int polls_a = 0;
  int polls_b = 0;
  local::reactor reactor;
  reactor.set_coop_budget(4);
  reactor.spawn_detached(lock_loop(&m, 0, 10, &log, &polls_a));
  reactor.spawn_detached(lock_loop(&m, 1, 10, &log, &polls_b));
  reactor.run_until_idle();
  CHECK(log == std::vector<int>{0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 1, 1});
  CHECK(polls_a == 3);
  CHECK(polls_b == 3);
  CHECK(reactor.get_task_count() == 0);
  CHECK(**m.try_lock() == 20);
}

TEST_CASE("the mutex protects a counter across many spawned tasks that yield while locked",
          "[sync][mutex][reactor]") {
  constexpr int tasks = 12;
  constexpr int rounds = 25;
  async_mutex<int> m(0);
  counter_stats stats;
  local::reactor reactor;
  SECTION("without a budget") {}
  SECTION("with a budget of 4") { reactor.set_coop_budget(4); }
  auto r = reactor.block_on(spawn_incrementers(&m, tasks, rounds, &stats));
  CHECK(r.is_ready());
  CHECK(stats.completed == tasks);
  CHECK(stats.max_inside == 1);
  CHECK(stats.max_waiters == static_cast<std::size_t>(tasks - 1));  // all others queued
  CHECK(reactor.get_task_count() == 0);
  CHECK_FALSE(m.is_locked());
  CHECK(**m.try_lock() == tasks * rounds);
}

TEST_CASE("locking, waiting for and unlocking a mutex allocate nothing", "[sync][mutex]") {
  counting_task task_a;
  counting_task task_b;
  async_mutex<int> m;
  int failures = 0;  // no Catch assertions inside the counted loop
  {
    allocation_counter allocs;
    for (int i = 0; i < 100; ++i) {
      auto held = m.try_lock();
      if (!held) ++failures;
      auto f = m.lock();
      if (!f.poll(task_a).is_pending()) ++failures;
      auto moved = std::move(f);
      held.reset();
      auto r = moved.poll(task_b);
      if (!r.is_ready()) ++failures;
      ++*r.get_value();
    }
    CHECK(allocs.get_count() == 0);
  }
  CHECK(failures == 0);
  CHECK(task_a.get_wake_count() == 100);  // the handle kept from the pending poll
  CHECK(**m.try_lock() == 100);
}
