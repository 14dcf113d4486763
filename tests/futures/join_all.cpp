#include <gentask/futures/join_all.hpp>

#include <gentask/core/errors.hpp>
#include <gentask/core/pollable.hpp>
#include <gentask/core/task_archetypes.hpp>
#include <gentask/futures/ready.hpp>
#include <gentask/reactors/local/reactor.hpp>

#include "support/alloc_counter.hpp"
#include "support/counting_task.hpp"
#include "support/leaf_futures.hpp"

#include <catch2/catch.hpp>

#include <range/v3/view/iota.hpp>
#include <range/v3/view/transform.hpp>

#include <array>
#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

using namespace gentask;
using namespace gentask::test;
namespace arch = gentask::archetypes;

namespace {

/// Pending until its waker is used from outside; hands the waker out through a shared slot.
struct parked {
  using future_concept = future_tag;
  using item_type = int;
  using error_type = never;
  std::shared_ptr<std::vector<waker>> wakers;
  std::shared_ptr<std::vector<int>> polls;
  int id;
  int rounds;  // pending this many times, then ready with id
  template <task Task>
  poll_result<int, never> poll(Task& task) {
    ++(*polls)[static_cast<std::size_t>(id)];
    if (rounds-- > 0) {
      (*wakers)[static_cast<std::size_t>(id)] = task.get_waker();
      return pending;
    }
    return ready_value{id};
  }
};

std::vector<parked> parked_set(std::size_t n, int rounds, std::shared_ptr<std::vector<waker>>& w,
                               std::shared_ptr<std::vector<int>>& polls) {
  w = std::make_shared<std::vector<waker>>(n);
  polls = std::make_shared<std::vector<int>>(n, 0);
  std::vector<parked> out;
  for (std::size_t i = 0; i < n; ++i) out.push_back(parked{w, polls, static_cast<int>(i), rounds});
  return out;
}

struct throws {
  using future_concept = future_tag;
  using item_type = int;
  using error_type = never;
  template <task Task>
  poll_result<int, never> poll(Task&) {
    throw std::runtime_error("child");
  }
};

}  // namespace

TEST_CASE("join_all yields every child's outcome in range order", "[combinators][join_all]") {
  counting_task task;
  probe_record record;
  std::vector<probe<int, std::string>> children;
  children.emplace_back(record, ready_value{1}, 2);
  children.emplace_back(record, failed_value{std::string("two")}, 0);
  children.emplace_back(record, ready_value{3}, 1);
  auto f = join_all(std::move(children));
  STATIC_REQUIRE(
      std::is_same_v<item_type_t<decltype(f)>, std::vector<poll_result<int, std::string>>>);
  STATIC_REQUIRE(std::is_same_v<error_type_t<decltype(f)>, never>);
  CHECK(f.poll(task).is_pending());
  CHECK(f.get_strategy() == range_strategy::poll_all);  // three children: all polled each time
  CHECK(f.poll(task).is_pending());
  auto r = f.poll(task);
  REQUIRE(r.is_ready());
  const auto& v = r.get_value();
  REQUIRE(v.size() == 3);
  CHECK(v[0].get_value() == 1);
  CHECK(v[1].get_error() == "two");  // a failure stops nothing
  CHECK(v[2].get_value() == 3);
  CHECK(record.polls == 3 + 1 + 2);
  CHECK(record.destroyed == 3);
  CHECK_THROWS_AS(f.poll(task), polled_after_completion);
}

TEST_CASE("try_join_all yields the values, or the first error and drops the rest",
          "[combinators][join_all]") {
  counting_task task;
  probe_record record;
  std::vector<probe<int, std::string>> ok;
  ok.emplace_back(record, ready_value{1}, 1);
  ok.emplace_back(record, ready_value{2}, 0);
  auto good = try_join_all(std::move(ok));
  STATIC_REQUIRE(std::is_same_v<item_type_t<decltype(good)>, std::vector<int>>);
  STATIC_REQUIRE(std::is_same_v<error_type_t<decltype(good)>, std::string>);
  CHECK(good.poll(task).is_pending());
  CHECK(good.poll(task).get_value() == std::vector<int>{1, 2});

  probe_record second;
  std::vector<probe<int, std::string>> bad;
  bad.emplace_back(second, ready_value{1}, 5);
  bad.emplace_back(second, failed_value{std::string("no")}, 1);
  bad.emplace_back(second, ready_value{3}, 5);
  auto f = try_join_all(std::move(bad));
  CHECK(f.poll(task).is_pending());
  auto r = f.poll(task);
  REQUIRE(r.is_failed());
  CHECK(r.get_error() == "no");
  CHECK(second.destroyed == 3);  // the others were dropped at the failure
  CHECK(second.polls == 5);      // 3, then 0 and 1: the third is not polled after the failure
}

TEST_CASE("join_all of an empty range is ready at once", "[combinators][join_all]") {
  counting_task task;
  auto f = join_all(std::vector<ready_future<int>>{});
  CHECK(f.poll(task).get_value().empty());
}

TEST_CASE("join_all takes range-v3 views and std::arrays", "[combinators][join_all]") {
  counting_task task;
  auto view =
      ranges::views::iota(0, 5) | ranges::views::transform([](int i) { return yield_now(i * i); });
  auto f = try_join_all(view);
  CHECK(f.poll(task).is_pending());
  CHECK(f.poll(task).get_value() == std::vector<int>{0, 1, 4, 9, 16});

  auto g = try_join_all(std::array{yield_now(1), yield_now(2), yield_now(3)});
  STATIC_REQUIRE(std::is_same_v<item_type_t<decltype(g)>, std::array<int, 3>>);
  std::size_t allocations = 0;
  {
    allocation_counter counter;
    CHECK(g.poll(task).is_pending());
    auto r = g.poll(task);
    CHECK(r.get_value() == std::array<int, 3>{1, 2, 3});
    allocations = counter.get_count();
  }
  CHECK(allocations == 0);  // a static size, polled all: nothing allocated
}

TEST_CASE("above poll_all_limit a wake polls only the woken child", "[combinators][join_all]") {
  counting_task task;
  std::shared_ptr<std::vector<waker>> wakers;
  std::shared_ptr<std::vector<int>> polls;
  const std::size_t n = 100;
  auto f = join_all(parked_set(n, 1, wakers, polls));
  CHECK(f.poll(task).is_pending());
  CHECK(f.get_strategy() == range_strategy::ready_queue);  // a counting_task cannot spawn
  for (std::size_t i = 0; i < n; ++i) CHECK((*polls)[i] == 1);
  const auto parent_wakes = task.get_wake_count();
  (*wakers)[17].wake();
  (*wakers)[17].wake();  // queued once
  CHECK(task.get_wake_count() == parent_wakes + 2);
  CHECK(f.poll(task).is_pending());
  CHECK((*polls)[17] == 2);
  CHECK((*polls)[16] == 1);
  CHECK((*polls)[18] == 1);
  for (std::size_t i = 0; i < n; ++i) (*wakers)[i].wake();
  auto r = f.poll(task);
  REQUIRE(r.is_ready());
  CHECK(r.get_value()[42].get_value() == 42);
  CHECK((*polls)[17] == 2);  // done at its second poll: not polled again
}

TEST_CASE("the poll_all strategy polls every pending child on each wake",
          "[combinators][join_all]") {
  counting_task task;
  std::shared_ptr<std::vector<waker>> wakers;
  std::shared_ptr<std::vector<int>> polls;
  auto f = join_all<range_strategy::poll_all>(parked_set(100, 1, wakers, polls));
  CHECK(f.poll(task).is_pending());
  (*wakers)[3].wake();
  CHECK(f.poll(task).is_ready());  // every child was polled again, and each was ready
  CHECK((*polls)[99] == 2);
}

TEST_CASE("join_all is pollable where its children are, by strategy",
          "[combinators][join_all][concepts]") {
  using timed = std::vector<needs_timer>;
  using any = decltype(join_all(std::declval<timed>()));
  using queue = decltype(join_all<range_strategy::ready_queue>(std::declval<timed>()));
  using spawned = decltype(join_all<range_strategy::spawn_per_child>(
      std::declval<std::vector<yield_now<int>>>()));
  // clang-format off
  STATIC_REQUIRE( pollable<any, arch::timer_task>);
  STATIC_REQUIRE(!pollable<any, arch::task>);
  STATIC_REQUIRE( pollable<queue, local::reactor::task_type>);  // the child task forwards get_timer
  STATIC_REQUIRE( pollable<spawned, local::reactor::task_type>);
  STATIC_REQUIRE(!pollable<spawned, counting_task>);  // it cannot spawn
  // clang-format on
}

/// Polls the future it points to (keeps the set inspectable after `block_on`).
template <class F>
struct by_pointer {
  using future_concept = future_tag;
  using item_type = item_type_t<F>;
  using error_type = error_type_t<F>;
  F* f;
  template <task Task>
  requires pollable<F, Task> poll_result<item_type, error_type> poll(Task& task) {
    return f->poll(task);
  }
};

/// Pending once, woken through its task's remote waker (so not pollable through
/// `child_task`, which does not forward `get_remote_waker`), then ready with `id`.
struct remote_yield {
  using future_concept = future_tag;
  using item_type = int;
  using error_type = never;
  int id;
  bool woke = false;
  template <remote_waking_task Task>
  poll_result<int, never> poll(Task& task) {
    if (woke) return ready_value{id};
    woke = true;
    task.get_remote_waker().wake();
    return pending;
  }
};

TEST_CASE("above the limit on a reactor, join_all polls its children from a ready queue",
          "[combinators][join_all]") {
  local::reactor reactor;
  std::vector<yield_now<int>> children;
  for (int i = 0; i < 64; ++i) children.emplace_back(i);
  auto f = try_join_all(std::move(children));
  auto r = reactor.block_on(by_pointer<decltype(f)>{&f});
  REQUIRE(r.is_ready());
  CHECK(f.get_strategy() == range_strategy::ready_queue);
  for (int i = 0; i < 64; ++i) CHECK(r.get_value()[static_cast<std::size_t>(i)] == i);
  CHECK(reactor.get_task_count() == 0);
}

TEST_CASE("above the limit, children that a ready queue cannot poll are spawned as tasks",
          "[combinators][join_all][spawn]") {
  // clang-format off
  STATIC_REQUIRE( pollable<remote_yield, local::reactor::task_type>);
  STATIC_REQUIRE(!pollable<remote_yield, child_task<local::reactor::task_type>>);
  // clang-format on
  local::reactor reactor;
  std::vector<remote_yield> children;
  for (int i = 0; i < 20; ++i) children.push_back(remote_yield{i});
  auto f = join_all(std::move(children));
  const auto before = reactor.get_poll_count();
  auto r = reactor.block_on(by_pointer<decltype(f)>{&f});
  REQUIRE(r.is_ready());
  CHECK(f.get_strategy() == range_strategy::spawn_per_child);
  for (int i = 0; i < 20; ++i) CHECK(r.get_value()[static_cast<std::size_t>(i)].get_value() == i);
  CHECK(reactor.get_poll_count() - before >= 20 * 2);  // each child's two polls, as tasks
  CHECK(reactor.get_task_count() == 0);
  std::vector<remote_yield> few(poll_all_limit, remote_yield{1});
  auto g = join_all(std::move(few));
  CHECK(reactor.block_on(by_pointer<decltype(g)>{&g}).is_ready());
  CHECK(g.get_strategy() == range_strategy::poll_all);  // up to the limit: polled all
}

TEST_CASE("a spawned child's error fails try_join_all and cancels the others",
          "[combinators][join_all][spawn]") {
  local::reactor reactor;
  probe_record record;
  std::vector<probe<int, std::string>> children;
  for (int i = 0; i < 40; ++i) {
    if (i == 7) {
      children.emplace_back(record, failed_value{std::string("seven")}, 1);
    } else {
      children.emplace_back(record, ready_value{i}, 1000);  // would run long
    }
  }
  auto f = try_join_all<range_strategy::spawn_per_child>(std::move(children));
  auto r = reactor.block_on(std::move(f));
  REQUIRE(r.is_failed());
  CHECK(r.get_error() == "seven");
  reactor.run_until_idle();
  CHECK(reactor.get_task_count() == 0);  // every other child was canceled
  CHECK(record.destroyed == 40);
}

TEST_CASE("an exception escaping a child leaves join_all's poll on every strategy",
          "[combinators][join_all]") {
  counting_task task;
  auto small = join_all(std::vector<throws>(3));
  CHECK_THROWS_AS(small.poll(task), std::runtime_error);
  auto queued = join_all<range_strategy::ready_queue>(std::vector<throws>(3));
  CHECK_THROWS_AS(queued.poll(task), std::runtime_error);
  local::reactor reactor;
  auto spawned = join_all<range_strategy::spawn_per_child>(std::vector<throws>(3));
  CHECK_THROWS_AS(reactor.block_on(std::move(spawned)), std::runtime_error);
}
