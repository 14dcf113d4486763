// The local reactor's timer queue (real and manual clock) and its cooperative budget.
#include <gentask/reactors/local/reactor.hpp>

#include <gentask/core/budget.hpp>
#include <gentask/core/pollable.hpp>
#include <gentask/futures/join.hpp>
#include <gentask/futures/map.hpp>
#include <gentask/futures/select.hpp>
#include <gentask/time/sleep.hpp>
#include <gentask/time/timer_queue.hpp>

#include "support/leaf_futures.hpp"
#include "support/storage_policies.hpp"

#include <catch2/catch.hpp>

#include <stdexcept>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

using namespace gentask;
using namespace gentask::test;
using namespace std::chrono_literals;

namespace {

constexpr auto manual = timer_queue::clock_mode::manual;

/// A leaf that needs `total` units of budget: each poll asks `poll_proceed` until refused (then
/// pending) or done. Records its name in `trace` and the units granted in each poll.
struct proceed_loop {
  using future_concept = future_tag;
  using item_type = unsigned;
  using error_type = never;
  unsigned total;
  char name;
  std::shared_ptr<std::string> trace;
  std::shared_ptr<std::vector<unsigned>> grants = std::make_shared<std::vector<unsigned>>();
  unsigned done = 0;

  template <task Task>
  poll_result<unsigned, never> poll(Task& task) {
    trace->push_back(name);
    unsigned granted = 0;
    while (done < total) {
      if (!poll_proceed(task)) {
        grants->push_back(granted);
        return pending;
      }
      ++granted;
      ++done;
    }
    grants->push_back(granted);
    return ready_value{done};
  }
};

/// Pending `yields` times (waking itself), then ready; records its name in `trace` on each poll.
struct yielder {
  using future_concept = future_tag;
  using item_type = unit;
  using error_type = never;
  int yields;
  char name;
  std::shared_ptr<std::string> trace;

  template <task Task>
  poll_result<unit, never> poll(Task& task) {
    trace->push_back(name);
    if (yields-- > 0) {
      task.get_waker().wake();
      return pending;
    }
    return ready_value{};
  }
};

/// Polls a one-hour sleep once (so it registers), then drops it and wakes itself; ready on the
/// second poll. Reports the timer's pending count while the sleep was alive and after the drop.
struct drops_its_sleep {
  using future_concept = future_tag;
  using item_type = unit;
  using error_type = never;
  std::size_t* while_alive;
  std::size_t* after_drop;
  int polls = 0;

  template <timer_task Task>
  poll_result<unit, never> poll(Task& task) {
    if (++polls == 1) {
      std::optional<sleep_future> s(sleep_for(1h));
      if (s->poll(task).is_ready()) return ready_value{};  // cannot happen: fails the checks
      *while_alive = task.get_timer().get_pending_count();
      s.reset();
      *after_drop = task.get_timer().get_pending_count();
      task.get_waker().wake();
      return pending;
    }
    return ready_value{};
  }
};

/// Ready once `flag` is set; on its first poll hands a remote waker to a thread that sets the
/// flag after `delay` and wakes. Also keeps a far deadline pending (the reactor sleeps until it,
/// unless the remote wake comes first).
struct remote_set_flag {
  using future_concept = future_tag;
  using item_type = unit;
  using error_type = never;
  std::shared_ptr<std::atomic<bool>> flag;
  std::thread* worker;
  std::chrono::milliseconds delay;
  sleep_future far = sleep_for(10s);
  bool started = false;

  template <class Task>
  requires timer_task<Task> && remote_waking_task<Task> poll_result<unit, never> poll(Task& task) {
    if (flag->load()) return ready_value{};
    (void)far.poll(task);
    if (!started) {
      started = true;
      *worker = std::thread([f = flag, w = task.get_remote_waker(), d = delay] {
        std::this_thread::sleep_for(d);
        f->store(true);
        w.wake();
      });
    }
    return pending;
  }
};

/// Always ready to go on: each poll wakes its task again, until `stop` is set; gives up (and
/// says so) after a wall-clock cap, so that a reactor that never fires timers fails the test
/// instead of hanging it.
struct spin_until_stopped {
  using future_concept = future_tag;
  using item_type = bool;  // true: gave up at the cap
  using error_type = never;
  std::shared_ptr<bool> stop;
  std::shared_ptr<std::size_t> polls;
  time_point cap = timer_clock::now() + 2s;

  template <task Task>
  poll_result<bool, never> poll(Task& task) {
    ++*polls;
    if (*stop) return ready_value{false};
    if (timer_clock::now() >= cap) return ready_value{true};
    task.get_waker().wake();
    return pending;
  }
};

/// A leaf whose resource is always ready: it asks `poll_proceed` without end, so only the coop
/// budget makes it yield; gives up (ready with the units it took) after a wall-clock cap.
struct proceed_forever {
  using future_concept = future_tag;
  using item_type = std::size_t;
  using error_type = never;
  std::shared_ptr<std::size_t> polls;
  time_point cap = timer_clock::now() + 2s;
  std::size_t units = 0;

  template <task Task>
  poll_result<std::size_t, never> poll(Task& task) {
    ++*polls;
    while (timer_clock::now() < cap) {
      if (!poll_proceed(task)) return pending;
      ++units;
    }
    return ready_value{units};
  }
};

template <class Rep, class Period>
double to_ms(std::chrono::duration<Rep, Period> d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

}  // namespace

TEMPLATE_LIST_TEST_CASE(
    "the local reactor's task models timer_task and budgeted_task on every storage policy",
    "[reactor][local][timer][budget]", storage_policies<closed_map_storage<sleep_future>>) {
  STATIC_REQUIRE(timer_task<typename local::basic_reactor<TestType>::task_type>);
  STATIC_REQUIRE(budgeted_task<typename local::basic_reactor<TestType>::task_type>);
}

TEST_CASE("a sleep is pollable on the local reactor's task, whose timer is its timer queue",
          "[reactor][local][timer]") {
  STATIC_REQUIRE(pollable<sleep_future, local::reactor::task_type>);
  STATIC_REQUIRE(pollable<proceed_loop, local::reactor::task_type>);
  STATIC_REQUIRE(std::is_same_v<decltype(std::declval<local::reactor::task_type&>().get_timer()),
                                timer_queue&>);
}

TEST_CASE("a task's timer is its reactor's timer queue on the real clock by default",
          "[reactor][local][timer]") {
  local::reactor reactor;
  CHECK(reactor.get_timer().get_clock_mode() == timer_queue::clock_mode::real);
  CHECK(reactor.get_timer().get_pending_count() == 0);
  struct same_timer {
    using future_concept = future_tag;
    using item_type = bool;
    using error_type = never;
    timer_queue* expected;
    poll_result<bool, never> poll(local::reactor::task_type& task) {
      return ready_value{&task.get_timer() == expected};
    }
  };
  CHECK(reactor.block_on(same_timer{&reactor.get_timer()}).get_value());
}

// ---------------------------------------------------------------------------------------------
// Real clock: small durations, lower bounds exact, upper bounds generous.

TEST_CASE(
    "the reactor's block_on of sleep_for on the real clock completes after at least the duration",
    "[reactor][local][timer]") {
  local::reactor reactor;
  const auto polls_before = reactor.get_poll_count();
  const time_point start = timer_clock::now();
  auto r = reactor.block_on(sleep_for(5ms));
  const auto elapsed = timer_clock::now() - start;
  CHECK(r.is_ready());
  CHECK(elapsed >= 5ms);
  CHECK(to_ms(elapsed) < 2000.0);
  // The reactor slept until the deadline instead of spinning: a first poll and the one after
  // the timer fired.
  CHECK(reactor.get_poll_count() - polls_before == 2);
  CHECK(reactor.get_timer().get_pending_count() == 0);
}

TEST_CASE(
    "the reactor's block_on of sleep_until on the real clock completes at or after the deadline",
    "[reactor][local][timer]") {
  local::reactor reactor;
  const time_point deadline = reactor.get_timer().now() + 8ms;
  CHECK(reactor.block_on(sleep_until(deadline)).is_ready());
  const time_point end = timer_clock::now();
  CHECK(end >= deadline);
  CHECK(to_ms(end - deadline) < 2000.0);
  // A deadline already past: ready at the first poll, without waiting.
  const auto polls_before = reactor.get_poll_count();
  CHECK(reactor.block_on(sleep_until(deadline)).is_ready());
  CHECK(reactor.get_poll_count() - polls_before == 1);
}

TEST_CASE("spawned tasks sleeping on the reactor's real clock complete in deadline order",
          "[reactor][local][timer]") {
  local::reactor reactor;
  auto order = std::make_shared<std::vector<int>>();
  const time_point base = reactor.get_timer().now();
  // Fixed deadlines, spawned latest first: the order cannot depend on when each is polled.
  auto late = reactor.spawn(sleep_until(base + 12ms) |
                            gentask::map([order](unit) { order->push_back(12); }));
  auto early =
      reactor.spawn(sleep_until(base + 3ms) | gentask::map([order](unit) { order->push_back(3); }));
  auto r = reactor.block_on(join(std::move(late), std::move(early)));
  CHECK(r.is_ready());
  CHECK(*order == std::vector<int>{3, 12});
  CHECK(timer_clock::now() >= base + 12ms);
  CHECK(reactor.get_timer().get_pending_count() == 0);
}

TEST_CASE("a remote wake ends the reactor's sleep before a far deadline",
          "[reactor][local][timer][threads]") {
  local::reactor reactor;
  auto flag = std::make_shared<std::atomic<bool>>(false);
  std::thread worker;
  const time_point start = timer_clock::now();
  auto r = reactor.block_on(remote_set_flag{flag, &worker, 5ms});
  const auto elapsed = timer_clock::now() - start;
  worker.join();
  CHECK(r.is_ready());
  CHECK(elapsed >= 5ms);
  CHECK(to_ms(elapsed) < 5000.0);  // far below the 10 s deadline that was pending
  CHECK(reactor.get_timer().get_pending_count() == 0);  // the root dropped its sleep
}

// ---------------------------------------------------------------------------------------------
// Manual clock.

TEST_CASE(
    "on the reactor's manual clock block_on of a one-hour sleep completes at once and advances the "
    "clock by exactly one hour",
    "[reactor][local][timer]") {
  local::reactor reactor;
  reactor.get_timer().set_clock_mode(manual);
  const time_point start = reactor.get_timer().now();
  const time_point wall_start = timer_clock::now();
  CHECK(reactor.block_on(sleep_for(1h)).is_ready());
  CHECK(reactor.get_timer().now() - start == 1h);
  CHECK(to_ms(timer_clock::now() - wall_start) < 2000.0);
  CHECK(reactor.get_timer().get_pending_count() == 0);
  // Again, from where the clock stopped.
  CHECK(reactor.block_on(sleep_for(30min)).is_ready());
  CHECK(reactor.get_timer().now() - start == 90min);
}

TEST_CASE(
    "on the reactor's manual clock spawned sleeping tasks complete in deadline order, each at its "
    "deadline",
    "[reactor][local][timer]") {
  local::reactor reactor;
  reactor.get_timer().set_clock_mode(manual);
  const time_point start = reactor.get_timer().now();
  struct record {
    int id;
    timer_clock::duration at;
  };
  auto log = std::make_shared<std::vector<record>>();
  auto& timer = reactor.get_timer();
  auto sleeper = [&](int id, timer_clock::duration d) {
    return sleep_for(d) | gentask::map([log, id, &timer, start](unit) {
             log->push_back({id, timer.now() - start});
           });
  };
  auto h0 = reactor.spawn(sleeper(0, 30min));
  auto h1 = reactor.spawn(sleeper(1, 10min));
  auto h2 = reactor.spawn(sleeper(2, 20min));
  auto h3 = reactor.spawn(sleeper(3, 10min));  // ties with 1, registered after it
  auto h4 = reactor.spawn(sleeper(4, 0min));   // due at once
  auto r = reactor.block_on(
      join(std::move(h0), std::move(h1), std::move(h2), std::move(h3), std::move(h4)));
  CHECK(r.is_ready());
  REQUIRE(log->size() == 5);
  std::vector<int> ids;
  for (const auto& e : *log) ids.push_back(e.id);
  CHECK(ids == std::vector<int>{4, 1, 3, 2, 0});
  CHECK((*log)[0].at == 0min);
  CHECK((*log)[1].at == 10min);
  CHECK((*log)[2].at == 10min);
  CHECK((*log)[3].at == 20min);
  CHECK((*log)[4].at == 30min);
  CHECK(timer.now() - start == 30min);  // no further than the last deadline
}

TEST_CASE("on the reactor's manual clock detached sleepers run before a stalled root is reported",
          "[reactor][local][timer]") {
  local::reactor reactor;
  reactor.get_timer().set_clock_mode(manual);
  const time_point start = reactor.get_timer().now();
  auto done = std::make_shared<int>(0);
  reactor.spawn_detached(sleep_for(5min) | gentask::map([done](unit) { ++*done; }));
  reactor.spawn_detached(sleep_for(7min) | gentask::map([done](unit) { ++*done; }));
  // The root can never be woken: the clock jumps through every deadline, then block_on throws.
  CHECK_THROWS_AS(reactor.block_on(never_ready<int>{}), runtime::stalled);
  CHECK(*done == 2);
  CHECK(reactor.get_timer().now() - start == 7min);
  CHECK(reactor.get_task_count() == 0);
  // No timer at all: stalled at once, the clock does not move.
  CHECK_THROWS_AS(reactor.block_on(never_ready<int>{}), runtime::stalled);
  CHECK(reactor.get_timer().now() - start == 7min);
}

TEST_CASE(
    "the reactor's run_until_idle never moves the manual clock, the timer's advance does and wakes "
    "the sleeper",
    "[reactor][local][timer]") {
  local::reactor reactor;
  auto& timer = reactor.get_timer();
  timer.set_clock_mode(manual);
  const time_point start = timer.now();
  auto done = std::make_shared<bool>(false);
  reactor.spawn_detached(sleep_for(1h) | gentask::map([done](unit) { *done = true; }));
  CHECK(reactor.run_until_idle() == 1);
  CHECK(reactor.run_until_idle() == 0);
  CHECK(timer.now() == start);
  CHECK(timer.get_pending_count() == 1);
  CHECK_FALSE(*done);
  CHECK(timer.advance(59min) == 0);
  CHECK(reactor.run_until_idle() == 0);
  CHECK(timer.advance(1min) == 1);  // the wake queues the task
  CHECK(reactor.run_until_idle() == 1);
  CHECK(*done);
  CHECK(timer.get_pending_count() == 0);
}

TEST_CASE("a task that drops its sleep cancels the timer registration", "[reactor][local][timer]") {
  local::reactor reactor;
  reactor.get_timer().set_clock_mode(manual);
  std::size_t while_alive = 0;
  std::size_t after_drop = 99;
  auto h = reactor.spawn(drops_its_sleep{&while_alive, &after_drop});
  CHECK(reactor.block_on(std::move(h)).is_ready());
  CHECK(while_alive == 1);
  CHECK(after_drop == 0);
  CHECK(reactor.get_timer().get_pending_count() == 0);

  // The same from the root, on the real clock (nothing waits an hour).
  local::reactor real;
  while_alive = 0;
  after_drop = 99;
  CHECK(real.block_on(drops_its_sleep{&while_alive, &after_drop}).is_ready());
  CHECK(while_alive == 1);
  CHECK(after_drop == 0);
}

TEST_CASE("a sleep that loses a select is dropped and its timer registration removed",
          "[reactor][local][timer]") {
  local::reactor reactor;  // real clock: the sleep would otherwise keep the reactor for an hour
  const time_point start = timer_clock::now();
  auto r = reactor.block_on(gentask::select(sleep_for(1h), yield_now(7)));
  REQUIRE(r.is_ready());
  CHECK(r.get_value().index() == 1);
  CHECK(std::get<1>(r.get_value()) == 7);
  CHECK(reactor.get_timer().get_pending_count() == 0);
  CHECK(to_ms(timer_clock::now() - start) < 2000.0);
}

TEST_CASE("dropping the join handle of a sleeping task cancels its timer registration",
          "[reactor][local][timer]") {
  local::reactor reactor;
  {
    auto h = reactor.spawn(sleep_for(1h));
    CHECK(reactor.run_until_idle() == 1);
    CHECK(reactor.get_timer().get_pending_count() == 1);
    CHECK(reactor.get_timer().get_next_deadline().has_value());
  }
  CHECK(reactor.get_timer().get_pending_count() == 0);
  CHECK_FALSE(reactor.get_timer().get_next_deadline().has_value());
  CHECK(reactor.get_task_count() == 0);
}

TEST_CASE("a timer on the reactor's real clock fires while a spawned task is always ready",
          "[reactor][local][timer]") {
  local::reactor reactor;
  auto stop = std::make_shared<bool>(false);
  auto polls = std::make_shared<std::size_t>(0);
  auto spinner = reactor.spawn(spin_until_stopped{stop, polls});
  const time_point start = timer_clock::now();
  CHECK(reactor.block_on(sleep_for(5ms)).is_ready());
  const auto elapsed = timer_clock::now() - start;
  CHECK(elapsed >= 5ms);
  CHECK(to_ms(elapsed) < 1000.0);  // long before the spinner's 2 s cap
  CHECK(*polls > 0);
  *stop = true;
  auto r = reactor.block_on(std::move(spinner));
  REQUIRE(r.is_ready());
  CHECK_FALSE(r.get_value());  // stopped by the test, not at its cap
}

TEST_CASE(
    "with a coop budget a timeout on the reactor's real clock fires beside a task whose "
    "leaf is always ready",
    "[reactor][local][timer][budget]") {
  local::reactor reactor;
  reactor.set_coop_budget(3U);
  auto polls = std::make_shared<std::size_t>(0);
  auto busy = reactor.spawn(proceed_forever{polls});
  const time_point start = timer_clock::now();
  // The root is only woken by its timer: the busy task never completes before its cap.
  auto r = reactor.block_on(gentask::select(sleep_for(5ms), std::move(busy)));
  const auto elapsed = timer_clock::now() - start;
  REQUIRE(r.is_ready());
  CHECK(r.get_value().index() == 0);  // the timeout won; the busy task was canceled with its handle
  CHECK(elapsed >= 5ms);
  CHECK(to_ms(elapsed) < 1000.0);
  CHECK(*polls > 1);  // the leaf yielded on its budget and was polled again
  const std::size_t polls_at_end = *polls;
  reactor.run_until_idle();  // the canceled task's cell, still queued, is freed when dequeued
  CHECK(*polls == polls_at_end);
  CHECK(reactor.get_task_count() == 0);
  CHECK(reactor.get_timer().get_pending_count() == 0);
}

TEST_CASE(
    "with a coop budget a root that races a timeout against an always ready leaf sees the "
    "timeout",
    "[reactor][local][timer][budget]") {
  local::reactor reactor;
  reactor.set_coop_budget(3U);
  auto polls = std::make_shared<std::size_t>(0);
  const time_point start = timer_clock::now();
  auto r = reactor.block_on(gentask::select(sleep_for(5ms), proceed_forever{polls}));
  const auto elapsed = timer_clock::now() - start;
  REQUIRE(r.is_ready());
  CHECK(r.get_value().index() == 0);
  CHECK(elapsed >= 5ms);
  CHECK(to_ms(elapsed) < 1000.0);
  CHECK(*polls > 1);
  CHECK(reactor.get_timer().get_pending_count() == 0);
}

TEST_CASE("destroying a reactor with sleeping tasks drops their registrations",
          "[reactor][local][timer]") {
  std::optional<join_handle<unit, never>> outlives;
  {
    local::reactor reactor;
    reactor.spawn_detached(sleep_for(1h));
    outlives.emplace(reactor.spawn(sleep_for(2h)));
    CHECK(reactor.run_until_idle() == 2);
    CHECK(reactor.get_timer().get_pending_count() == 2);
  }  // the tasks, their sleeps and the queue go here (ASan checks the order)
  local::reactor other;
  auto r = other.block_on(std::move(*outlives));
  REQUIRE(r.is_failed());
  CHECK(r.get_error().is_canceled());
}

// ---------------------------------------------------------------------------------------------
// The cooperative budget.

TEST_CASE(
    "with a coop budget a task that finds every resource ready yields and its sibling "
    "runs in between",
    "[reactor][local][budget]") {
  local::reactor reactor;
  reactor.set_coop_budget(3U);
  auto trace = std::make_shared<std::string>();
  proceed_loop greedy{10, 'A', trace};
  auto grants = greedy.grants;
  auto a = reactor.spawn(std::move(greedy));
  reactor.spawn_detached(yielder{3, 'B', trace});
  const auto before = reactor.get_poll_count();
  reactor.run_until_idle();
  CHECK(reactor.get_poll_count() - before == 8);
  CHECK(*grants == std::vector<unsigned>{3, 3, 3, 1});  // a full budget again on every tick
  CHECK(*trace == "ABABABAB");
  auto r = reactor.block_on(std::move(a));
  REQUIRE(r.is_ready());
  CHECK(r.get_value() == 10);
}

TEST_CASE("with a coop budget the root future yields to spawned tasks",
          "[reactor][local][budget]") {
  local::reactor reactor;
  reactor.set_coop_budget(3U);
  auto trace = std::make_shared<std::string>();
  reactor.spawn_detached(yielder{5, 'B', trace});
  proceed_loop root{10, 'R', trace};
  auto grants = root.grants;
  const auto before = reactor.get_poll_count();
  auto r = reactor.block_on(std::move(root));
  REQUIRE(r.is_ready());
  CHECK(r.get_value() == 10);
  CHECK(*grants == std::vector<unsigned>{3, 3, 3, 1});
  CHECK(*trace == "RBRBRBR");
  CHECK(reactor.get_poll_count() - before == 7);
}

TEST_CASE("the coop budget is refilled for every task tick and every root poll",
          "[reactor][local][budget]") {
  local::reactor reactor;
  reactor.set_coop_budget(3U);
  auto trace = std::make_shared<std::string>();
  proceed_loop task_loop{6, 'B', trace};
  auto task_grants = task_loop.grants;
  reactor.spawn_detached(std::move(task_loop));
  proceed_loop root{10, 'R', trace};
  auto root_grants = root.grants;
  CHECK(reactor.block_on(std::move(root)).get_value() == 10);
  // The task spending its units does not take them from the root, nor the other way round.
  CHECK(*root_grants == std::vector<unsigned>{3, 3, 3, 1});
  CHECK(*task_grants == std::vector<unsigned>{3, 3});
  CHECK(*trace == "RBRBRR");
}

TEST_CASE("without a coop budget a task never yields", "[reactor][local][budget]") {
  const bool turned_off = GENERATE(false, true);
  local::reactor reactor;
  if (turned_off) {
    reactor.set_coop_budget(3U);
    reactor.set_coop_budget(std::nullopt);
  }
  auto trace = std::make_shared<std::string>();
  proceed_loop greedy{1000, 'A', trace};
  auto grants = greedy.grants;
  reactor.spawn_detached(std::move(greedy));
  reactor.spawn_detached(yielder{1, 'B', trace});
  CHECK(reactor.run_until_idle() == 3);
  CHECK(*grants == std::vector<unsigned>{1000});
  CHECK(*trace == "ABB");

  proceed_loop root{1000, 'R', trace};
  auto root_grants = root.grants;
  CHECK(reactor.block_on(std::move(root)).get_value() == 1000);
  CHECK(*root_grants == std::vector<unsigned>{1000});
}

TEST_CASE("a coop budget of one unit still lets a task finish", "[reactor][local][budget]") {
  local::reactor reactor;
  reactor.set_coop_budget(1U);
  auto trace = std::make_shared<std::string>();
  proceed_loop root{4, 'R', trace};
  auto grants = root.grants;
  CHECK(reactor.block_on(std::move(root)).get_value() == 4);
  CHECK(*grants == std::vector<unsigned>{1, 1, 1, 1});
}

TEST_CASE("turning the coop budget on from inside a poll gives the current tick the full budget",
          "[reactor][local][budget]") {
  struct turns_budget_on {
    using future_concept = future_tag;
    using item_type = std::vector<unsigned>;
    using error_type = never;
    std::vector<unsigned> grants;
    poll_result<std::vector<unsigned>, never> poll(local::reactor::task_type& task) {
      if (grants.empty()) task.get_reactor().set_coop_budget(2U);
      unsigned granted = 0;
      while (granted < 10 && poll_proceed(task)) ++granted;
      grants.push_back(granted);
      if (grants.size() == 2) return ready_value{std::move(grants)};
      return pending;  // woken by poll_proceed's refusal
    }
  };
  local::reactor reactor;
  auto r = reactor.block_on(turns_budget_on{});
  REQUIRE(r.is_ready());
  CHECK(r.get_value() == std::vector<unsigned>{2, 2});
}

TEST_CASE("the coop budget and a manual-clock sleep work together",
          "[reactor][local][budget][timer]") {
  local::reactor reactor;
  reactor.set_coop_budget(2U);
  reactor.get_timer().set_clock_mode(manual);
  const time_point start = reactor.get_timer().now();
  auto trace = std::make_shared<std::string>();
  proceed_loop greedy{5, 'A', trace};
  auto grants = greedy.grants;
  auto a = reactor.spawn(std::move(greedy));
  auto r = reactor.block_on(join(sleep_for(1min), std::move(a)));
  REQUIRE(r.is_ready());
  CHECK(std::get<1>(r.get_value()) == 5);
  CHECK(*grants == std::vector<unsigned>{2, 2, 1});
  CHECK(reactor.get_timer().now() - start == 1min);
}

TEST_CASE("a reactor budget of zero units is refused with a clear error",
          "[reactor][local][budget]") {
  gentask::local::reactor reactor;
  CHECK_THROWS_AS(reactor.set_coop_budget(0U), std::invalid_argument);
  reactor.set_coop_budget(std::nullopt);  // off stays allowed
  reactor.set_coop_budget(1U);
}
