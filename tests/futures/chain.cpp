// chain_future: the shared state machine of and_then, or_else and then.
#include <gentask/futures/chain.hpp>

#include <gentask/core/errors.hpp>
#include <gentask/futures/and_then.hpp>
#include <gentask/futures/failed.hpp>
#include <gentask/futures/or_else.hpp>
#include <gentask/futures/ready.hpp>
#include <gentask/futures/then.hpp>

#include "support/counted.hpp"
#include "support/counting_task.hpp"
#include "support/leaf_futures.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <type_traits>

using namespace gentask;
using namespace gentask::test;

namespace {
template <class T>
inline constexpr std::size_t step_count = 0;
template <class F, class... Steps>
inline constexpr std::size_t step_count<chain_future<F, Steps...>> = sizeof...(Steps);
}  // namespace

TEST_CASE("sequencing combinators extend one flat chain instead of nesting",
          "[combinators][chain]") {
  auto f = yield_now(1) | and_then([](int x) { return yield_now(x + 1); }) |
           or_else([](never) { return ready(0); }) |
           then([](poll_result<int, never> r) { return ready(r.get_value() * 2); }) |
           and_then([](int x) { return ready(x); });
  STATIC_REQUIRE(step_count<decltype(f)> == 4);
  STATIC_REQUIRE(std::is_same_v<decltype(f)::item_type, int>);
  counting_task task;
  CHECK(f.poll(task).is_pending());  // yield_now(1)
  CHECK(f.poll(task).is_pending());  // yield_now(2)
  CHECK(f.poll(task).get_value() == 4);
  CHECK(f.is_complete());
  CHECK_THROWS_AS(f.poll(task), polled_after_completion);
}

TEST_CASE("a chain moves through ready steps within one poll", "[combinators][chain]") {
  counting_task task;
  auto f = ready(1) | and_then([](int x) { return ready(x + 1); }) |
           and_then([](int x) { return ready(x * 10); });
  CHECK(f.poll(task).get_value() == 20);
  CHECK(task.get_wake_count() == 0);
}

TEST_CASE("moving on destroys the finished future and its closure first, exactly once",
          "[combinators][chain]") {
  counting_task task;
  probe_record a;
  probe_record b;
  lifecycle closure;
  {
    auto f = probe<int>(a, ready_value{1}, 1) | and_then([&b, c = counted(closure)](int x) {
               // When this closure runs, future A is already destroyed.
               return probe<int>(b, ready_value{x + c.get_value()}, 1);
             });
    CHECK(f.poll(task).is_pending());
    CHECK(a.destroyed == 0);
    CHECK(closure.get_alive() == 1);

    CHECK(f.poll(task).is_pending());  // A completes, B is made and polled once
    CHECK(a.destroyed == 1);
    CHECK(closure.get_alive() == 0);
    CHECK(b.polls == 1);
    CHECK(b.destroyed == 0);

    CHECK(f.poll(task).get_value() == 1);
    CHECK(b.destroyed == 1);
  }
  CHECK(a.destroyed == 1);
  CHECK(b.destroyed == 1);
  CHECK(closure.get_alive() == 0);
}

TEST_CASE("an error skips and_then steps and their closures are destroyed unrun",
          "[combinators][chain]") {
  counting_task task;
  lifecycle skipped;
  bool ran = false;
  auto f = failed<int>(std::string("e")) | and_then([&ran, c = counted(skipped)](int x) {
             ran = true;
             return ready(x);
           }) |
           and_then([](int x) { return ready(x); }) |
           or_else([](const std::string& e) { return ready(static_cast<int>(e.size())); });
  CHECK(f.poll(task).get_value() == 1);
  CHECK_FALSE(ran);
  CHECK(skipped.get_alive() == 0);
}

TEST_CASE("a value skips or_else steps", "[combinators][chain]") {
  counting_task task;
  bool recovered = false;
  auto f = ready(3) | or_else([&recovered](never) {
             recovered = true;
             return ready(0);
           }) |
           and_then([](int x) { return ready(x + 1); });
  CHECK(f.poll(task).get_value() == 4);
  CHECK_FALSE(recovered);
}

TEST_CASE("a chain is the same whether built at once or extended later", "[combinators][chain]") {
  counting_task task;
  auto head = yield_now(1) | and_then([](int x) { return yield_now(x + 1); });
  CHECK(head.poll(task).is_pending());  // extend a chain that has started
  auto extended = std::move(head) | and_then([](int x) { return ready(x * 100); });
  CHECK(extended.poll(task).is_pending());
  CHECK(extended.poll(task).get_value() == 200);
}

TEST_CASE("a throwing closure completes the chain and propagates", "[combinators][chain]") {
  counting_task task;
  auto f = ready(1) | and_then([](int) -> ready_future<int> { throw std::runtime_error("x"); });
  CHECK_THROWS_AS(f.poll(task), std::runtime_error);
  CHECK(f.is_complete());
  CHECK_THROWS_AS(f.poll(task), polled_after_completion);
}

TEST_CASE("spurious polls of a pending chain are harmless", "[combinators][chain]") {
  counting_task task;
  manual_event event;
  auto f = event.wait() | and_then([](unit) { return ready(9); });
  for (int i = 0; i < 5; ++i) CHECK(f.poll(task).is_pending());
  CHECK(task.get_live_handles() == 1);  // one handle kept, refreshed with will_wake
  event.set();
  CHECK(f.poll(task).get_value() == 9);
}

// A chain whose futures all have one type keeps them in one slot (chain_states' shared-slot
// layout); the tests below run the same promises through it.

namespace {

/// `n` and_then steps after `first`, each making a probe<int, std::string> (one future type
/// throughout) that is pending once and then ready with the value plus one.
template <int N>
auto probe_chain(probe_record& record, probe<int, std::string> first) {
  if constexpr (N == 0) {
    return first;
  } else {
    return probe_chain<N - 1>(record, std::move(first)) | and_then([&record](int x) {
             return probe<int, std::string>(record, ready_value{x + 1}, 1);
           });
  }
}

}  // namespace

TEST_CASE("a chain of one future type moves through every step, beyond 64 steps",
          "[combinators][chain]") {
  counting_task task;
  probe_record record;
  {
    auto f = probe_chain<70>(record, probe<int, std::string>(record, ready_value{0}, 1));
    STATIC_REQUIRE(step_count<decltype(f)> == 70);
    int polls = 0;
    for (;;) {
      auto r = f.poll(task);
      ++polls;
      if (r.is_complete()) {
        CHECK(r.get_value() == 70);
        break;
      }
    }
    // One pending poll per future, each ready future's poll making and polling the next, and
    // the last one's ready poll.
    CHECK(polls == 72);
    CHECK(record.polls == 142);
    CHECK(record.destroyed == 71);
    CHECK(f.is_complete());
    CHECK_THROWS_AS(f.poll(task), polled_after_completion);
  }
  CHECK(record.destroyed == 71);
}

TEST_CASE("in a chain of one future type, an error skips and_then steps and or_else recovers",
          "[combinators][chain]") {
  counting_task task;
  probe_record record;
  lifecycle skipped;
  bool ran = false;
  using leaf = probe<int, std::string>;
  auto f = leaf(record, failed_value{std::string("bad")}, 1) |
           and_then([&, c = counted(skipped)](int x) {
             ran = true;
             return leaf(record, ready_value{x}, 0);
           }) |
           or_else([&](const std::string& e) {
             return leaf(record, ready_value{static_cast<int>(e.size())}, 1);
           }) |
           then([&](poll_result<int, std::string> r) {
             return leaf(record, ready_value{r.get_value() * 10}, 0);
           });
  CHECK(f.poll(task).is_pending());
  CHECK(skipped.get_alive() == 1);
  CHECK(f.poll(task).is_pending());  // failed: the and_then step is skipped, or_else runs
  CHECK_FALSE(ran);
  CHECK(skipped.get_alive() == 0);
  CHECK(f.poll(task).get_value() == 30);
  CHECK(record.destroyed == 3);
}

TEST_CASE("a chain of one future type extended after it started goes on from its step",
          "[combinators][chain]") {
  counting_task task;
  auto head = yield_now(1) | and_then([](int x) { return yield_now(x + 1); });
  CHECK(head.poll(task).is_pending());  // yield_now(1)
  CHECK(head.poll(task).is_pending());  // yield_now(2): the chain is at its second step
  auto extended = std::move(head) | and_then([](int x) { return yield_now(x * 100); });
  CHECK(extended.poll(task).is_pending());  // yield_now(200)
  CHECK(extended.poll(task).get_value() == 200);
}

TEST_CASE("a throwing closure completes a chain of one future type", "[combinators][chain]") {
  counting_task task;
  probe_record record;
  using leaf = probe<int, std::string>;
  auto f = leaf(record, ready_value{1}, 1) |
           and_then([](int) -> leaf { throw std::runtime_error("x"); }) |
           and_then([&](int x) { return leaf(record, ready_value{x}, 0); });
  CHECK(f.poll(task).is_pending());
  CHECK_THROWS_AS(f.poll(task), std::runtime_error);
  CHECK(record.destroyed == 1);  // the first future, destroyed before the closure ran
  CHECK(f.is_complete());
  CHECK_THROWS_AS(f.poll(task), polled_after_completion);
}
