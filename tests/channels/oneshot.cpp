#include <gentask/channels/oneshot.hpp>

#include <gentask/core/errors.hpp>
#include <gentask/core/future.hpp>
#include <gentask/core/pollable.hpp>
#include <gentask/core/task_archetypes.hpp>
#include <gentask/futures/map.hpp>
#include <gentask/futures/select.hpp>
#include <gentask/reactors/local/reactor.hpp>

#include "support/alloc_counter.hpp"
#include "support/counted.hpp"
#include "support/counting_task.hpp"
#include "support/leaf_futures.hpp"

#include <catch2/catch.hpp>

#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

using namespace gentask;
using namespace gentask::test;

namespace {

template <class S>
concept sends_through_lvalue = requires(S& s) {
  s.send(1);
};
template <class S>
concept sends_through_rvalue = requires(S& s) {
  std::move(s).send(1);
};

/// Drops a sender or a receiver now.
template <class T>
void drop(T& end) {
  [[maybe_unused]] const T dropped = std::move(end);
}

}  // namespace

TEST_CASE("oneshot ends have the expected concepts and copy rules", "[channels][oneshot]") {
  using rx_type = oneshot::receiver<int>;
  using tx_type = oneshot::sender<int>;
  STATIC_REQUIRE(future<rx_type>);
  STATIC_REQUIRE(pollable<rx_type, archetypes::task>);
  STATIC_REQUIRE(pollable<rx_type, archetypes::full_task>);
  STATIC_REQUIRE(pollable<rx_type, local::reactor::task_type>);
  STATIC_REQUIRE(std::is_same_v<item_type_t<rx_type>, int>);
  STATIC_REQUIRE(std::is_same_v<error_type_t<rx_type>, canceled>);
  STATIC_REQUIRE(!std::is_copy_constructible_v<tx_type>);
  STATIC_REQUIRE(!std::is_copy_assignable_v<tx_type>);
  STATIC_REQUIRE(std::is_nothrow_move_constructible_v<tx_type>);
  STATIC_REQUIRE(!std::is_copy_constructible_v<rx_type>);
  STATIC_REQUIRE(std::is_nothrow_move_constructible_v<rx_type>);
  // send consumes the sender: it is called on an rvalue only.
  STATIC_REQUIRE(sends_through_rvalue<tx_type>);
  STATIC_REQUIRE(!sends_through_lvalue<tx_type>);
  STATIC_REQUIRE(std::is_same_v<decltype(oneshot::channel<int>()), std::pair<tx_type, rx_type>>);
}

TEST_CASE("a value sent before the first poll of the receiver is ready at that poll",
          "[channels][oneshot]") {
  counting_task task;
  auto [tx, rx] = oneshot::channel<int>();
  CHECK_FALSE(tx.is_canceled());
  CHECK_FALSE(std::move(tx).send(42).has_value());
  auto r = rx.poll(task);
  REQUIRE(r.is_ready());
  CHECK(r.get_value() == 42);
  CHECK(task.get_wake_count() == 0);
  CHECK(task.get_live_handles() == 0);
}

TEST_CASE("a value sent after the receiver waits wakes it exactly once", "[channels][oneshot]") {
  counting_task task;
  auto [tx, rx] = oneshot::channel<std::string>();
  CHECK(rx.poll(task).is_pending());
  CHECK(task.get_live_handles() == 1);
  for (int i = 0; i < 3; ++i) CHECK(rx.poll(task).is_pending());  // spurious polls
  CHECK(task.get_live_handles() == 1);
  CHECK(task.get_wake_count() == 0);
  CHECK_FALSE(std::move(tx).send("hello").has_value());
  CHECK(task.get_wake_count() == 1);
  CHECK(task.get_live_handles() == 0);  // the handle was given up as it was woken
  auto r = rx.poll(task);
  REQUIRE(r.is_ready());
  CHECK(r.get_value() == "hello");
  CHECK(task.get_wake_count() == 1);
}

TEST_CASE("the receiver keeps the handle of the task that polled it last", "[channels][oneshot]") {
  counting_task first;
  counting_task second;
  auto [tx, rx] = oneshot::channel<int>();
  CHECK(rx.poll(first).is_pending());
  CHECK(rx.poll(second).is_pending());
  CHECK(first.get_live_handles() == 0);
  CHECK(second.get_live_handles() == 1);
  CHECK_FALSE(std::move(tx).send(1).has_value());
  CHECK(first.get_wake_count() == 0);
  CHECK(second.get_wake_count() == 1);
  CHECK(rx.poll(second).get_value() == 1);
}

TEST_CASE("dropping the sender without sending fails the receiver with canceled and wakes it",
          "[channels][oneshot]") {
  SECTION("while the receiver waits") {
    counting_task task;
    auto [tx, rx] = oneshot::channel<int>();
    CHECK(rx.poll(task).is_pending());
    drop(tx);
    CHECK(task.get_wake_count() == 1);
    CHECK(task.get_live_handles() == 0);
    auto r = rx.poll(task);
    REQUIRE(r.is_failed());
    CHECK(r.get_error() == canceled{});
  }
  SECTION("before the receiver is first polled") {
    counting_task task;
    auto [tx, rx] = oneshot::channel<int>();
    drop(tx);
    CHECK(rx.poll(task).is_failed());
    CHECK(task.get_wake_count() == 0);
    CHECK(task.get_live_handles() == 0);
  }
  SECTION("by move-assigning over it") {
    counting_task task;
    auto [tx, rx] = oneshot::channel<int>();
    CHECK(rx.poll(task).is_pending());
    tx = oneshot::sender<int>();
    CHECK(task.get_wake_count() == 1);
    CHECK(rx.poll(task).is_failed());
  }
}

TEST_CASE("dropping the receiver gives the value back and the sender sees it as canceled",
          "[channels][oneshot]") {
  counting_task task;
  auto [tx, rx] = oneshot::channel<int>();
  CHECK(rx.poll(task).is_pending());
  CHECK_FALSE(tx.is_canceled());
  drop(rx);
  CHECK(task.get_live_handles() == 0);
  CHECK(tx.is_canceled());
  const std::optional<int> back = std::move(tx).send(7);
  REQUIRE(back.has_value());
  CHECK(*back == 7);
  CHECK(task.get_wake_count() == 0);
}

TEST_CASE("a second send through the same sender throws std::logic_error", "[channels][oneshot]") {
  auto [tx, rx] = oneshot::channel<int>();
  CHECK_FALSE(std::move(tx).send(1).has_value());
  CHECK(tx.is_canceled());  // empty: nothing can be sent through it
  CHECK_THROWS_AS((void)std::move(tx).send(2), std::logic_error);
  counting_task task;
  CHECK(rx.poll(task).get_value() == 1);

  oneshot::sender<int> empty;
  CHECK(empty.is_canceled());
  CHECK_THROWS_AS((void)std::move(empty).send(3), std::logic_error);
}

TEST_CASE("a receiver polled after completion throws polled_after_completion",
          "[channels][oneshot]") {
  counting_task task;
  SECTION("after the value") {
    auto [tx, rx] = oneshot::channel<int>();
    CHECK_FALSE(std::move(tx).send(1).has_value());
    CHECK(rx.poll(task).is_ready());
    CHECK_THROWS_AS(rx.poll(task), polled_after_completion);
  }
  SECTION("after canceled") {
    auto [tx, rx] = oneshot::channel<int>();
    drop(tx);
    CHECK(rx.poll(task).is_failed());
    CHECK_THROWS_AS(rx.poll(task), polled_after_completion);
  }
  SECTION("when moved from") {
    auto [tx, rx] = oneshot::channel<int>();
    auto moved = std::move(rx);
    CHECK_THROWS_AS(rx.poll(task), polled_after_completion);  // NOLINT(bugprone-use-after-move)
    CHECK(moved.poll(task).is_pending());
    CHECK_FALSE(std::move(tx).send(2).has_value());
    CHECK(moved.poll(task).get_value() == 2);
  }
}

TEST_CASE("oneshot values are destroyed exactly once on every path", "[channels][oneshot]") {
  counting_task task;
  lifecycle life;
  SECTION("delivered and received") {
    {
      auto [tx, rx] = oneshot::channel<counted>();
      CHECK(rx.poll(task).is_pending());
      CHECK_FALSE(std::move(tx).send(counted(life, 5)).has_value());
      CHECK(life.get_alive() == 1);  // in the channel
      auto r = rx.poll(task);
      CHECK(r.get_value().get_value() == 5);
      CHECK(life.get_alive() == 1);  // in the result only
    }
    CHECK(life.get_alive() == 0);
  }
  SECTION("sent, then the receiver is dropped without receiving it") {
    auto [tx, rx] = oneshot::channel<counted>();
    CHECK_FALSE(std::move(tx).send(counted(life, 6)).has_value());
    CHECK(life.get_alive() == 1);
    drop(rx);
    CHECK(life.get_alive() == 0);
  }
  SECTION("sent and never received: both ends dropped") {
    {
      auto [tx, rx] = oneshot::channel<counted>();
      CHECK_FALSE(std::move(tx).send(counted(life, 7)).has_value());
      CHECK(life.get_alive() == 1);
    }
    CHECK(life.get_alive() == 0);
  }
  SECTION("given back because the receiver is gone") {
    auto [tx, rx] = oneshot::channel<counted>();
    drop(rx);
    {
      auto back = std::move(tx).send(counted(life, 8));
      REQUIRE(back.has_value());
      CHECK(back->get_value() == 8);
      CHECK(life.get_alive() == 1);
    }
    CHECK(life.get_alive() == 0);
  }
  CHECK(life.constructed == 1);
  CHECK(life.copied == 0);
  CHECK(life.destroyed == life.constructed + life.moved);
}

TEST_CASE("a oneshot channel costs one allocation and sending none", "[channels][oneshot]") {
  counting_task task;
  allocation_counter allocs;
  auto [tx, rx] = oneshot::channel<int>();
  CHECK(allocs.get_count() == 1);
  CHECK(rx.poll(task).is_pending());
  CHECK_FALSE(std::move(tx).send(3).has_value());
  CHECK(rx.poll(task).get_value() == 3);
  CHECK(allocs.get_count() == 1);
}

TEST_CASE("a oneshot receiver composes and runs on the local reactor",
          "[channels][oneshot][reactor]") {
  local::reactor reactor;
  SECTION("a detached task sends after yielding") {
    auto [tx, rx] = oneshot::channel<int>();
    // map(f, fn), not f | map(fn): the pipe does not take a move-only closure (a core issue).
    reactor.spawn_detached(gentask::map(yield_now(20), [tx = std::move(tx)](int v) mutable {
      CHECK_FALSE(std::move(tx).send(v + 1).has_value());
    }));
    auto r = reactor.block_on(std::move(rx) | gentask::map([](int v) { return 2 * v; }));
    CHECK(r.get_value() == 42);
  }
  SECTION("a detached task that drops its sender cancels the receiver") {
    auto [tx, rx] = oneshot::channel<int>();
    reactor.spawn_detached(
        gentask::map(yield_now(0), [tx = std::move(tx)](int) mutable { drop(tx); }));
    auto r = reactor.block_on(gentask::select(std::move(rx), never_ready<int, canceled>{}));
    REQUIRE(r.is_failed());
    CHECK(r.get_error() == canceled{});
  }
  CHECK(reactor.get_task_count() == 0);
}
