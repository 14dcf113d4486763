// Misuse: entering the reactor from inside one of its own polls. Every entry point that runs
// tasks (block_on, run_until_idle, run_batch) and shutdown refuse with std::logic_error; the
// task that tried fails with that exception as its join_error and nothing else is touched.
// Before the fix: a task that woke itself and called run_until_idle was polled again inside its
// own poll and its future destroyed under it (ASan: heap-use-after-free).
#include <gentask/core/future.hpp>
#include <gentask/core/poll_result.hpp>
#include <gentask/core/task.hpp>
#include <gentask/futures/poll_fn.hpp>
#include <gentask/futures/ready.hpp>
#include <gentask/reactors/local/reactor.hpp>
#include <gentask/spawn/spawn.hpp>

#include <catch2/catch.hpp>

#include <functional>
#include <stdexcept>
#include <string>

using namespace gentask;

namespace {

/// Calls `enter` from inside its poll (after waking itself, so it is ready again), once; counts
/// how often it is polled and destroyed.
struct enters_reactor {
  using future_concept = future_tag;
  using item_type = int;
  using error_type = never;
  std::function<void()> enter;
  int* polls;
  int* destroyed;
  enters_reactor(std::function<void()> e, int* p, int* d)
      : enter(std::move(e)), polls(p), destroyed(d) {}
  enters_reactor(enters_reactor&& o) noexcept
      : enter(std::move(o.enter)), polls(o.polls), destroyed(std::exchange(o.destroyed, nullptr)) {}
  enters_reactor(const enters_reactor&) = delete;
  enters_reactor& operator=(const enters_reactor&) = delete;
  enters_reactor& operator=(enters_reactor&&) = delete;
  ~enters_reactor() {
    if (destroyed != nullptr) ++*destroyed;
  }
  template <task Task>
  poll_result<int, never> poll(Task& task) {
    ++*polls;
    task.get_waker().wake();
    enter();
    return ready_value{1};
  }
};

/// The message of the exception a join_error holds.
template <class R>
std::string exception_message(const R& r) {
  REQUIRE(r.is_failed());
  REQUIRE(r.get_error().is_exception());
  try {
    r.get_error().rethrow_if_exception();
  } catch (const std::logic_error& e) {
    return e.what();
  }
  FAIL("not a std::logic_error");
  return {};
}

}  // namespace

TEST_CASE("run_until_idle from inside a task's poll is refused and the task fails with it",
          "[misuse][reentry]") {
  local::reactor r;
  int polls = 0;
  int destroyed = 0;
  auto h = r.spawn(enters_reactor([&] { r.run_until_idle(); }, &polls, &destroyed));
  r.run_until_idle();
  CHECK(polls == 1);      // not polled again inside its own poll
  CHECK(destroyed == 1);  // once, after its poll returned
  auto result = r.block_on(std::move(h));
  CHECK_THAT(exception_message(result),
             Catch::Matchers::Contains("local::reactor::run_until_idle: called from inside a "
                                       "task's poll"));
}

TEST_CASE("block_on from inside a task's poll is refused, within run_until_idle or block_on",
          "[misuse][reentry]") {
  local::reactor r;
  int polls = 0;
  int destroyed = 0;
  auto enter = [&] { (void)r.block_on(ready(2)); };
  auto a = r.spawn(enters_reactor(enter, &polls, &destroyed));
  r.run_until_idle();  // a runs inside run_until_idle
  auto b = r.spawn(enters_reactor(enter, &polls, &destroyed));
  auto ra = r.block_on(std::move(a));  // b runs inside block_on
  auto rb = r.block_on(std::move(b));
  CHECK_THAT(exception_message(ra), Catch::Matchers::Contains("block_on: called from inside"));
  CHECK_THAT(exception_message(rb), Catch::Matchers::Contains("block_on: called from inside"));
  CHECK(polls == 2);
  CHECK(destroyed == 2);
}

TEST_CASE("block_on from inside its own root future's poll is refused", "[misuse][reentry]") {
  local::reactor r;
  auto root = poll_fn<int, never>([&](auto&) -> poll_result<int, never> {
    CHECK_THROWS_WITH(r.block_on(ready(1)), Catch::Matchers::Contains("called from inside"));
    return ready_value{7};
  });
  CHECK(r.block_on(std::move(root)).get_value() == 7);
  CHECK(r.block_on(ready(8)).get_value() == 8);  // and the reactor works on
}

TEST_CASE("run_batch and shutdown from inside a task's poll are refused", "[misuse][reentry]") {
  local::reactor r;
  int polls = 0;
  int destroyed = 0;
  auto a = r.spawn(enters_reactor([&] { r.run_batch(); }, &polls, &destroyed));
  auto b = r.spawn(enters_reactor([&] { r.shutdown(); }, &polls, &destroyed));
  r.run_until_idle();
  CHECK_THAT(exception_message(r.block_on(std::move(a))),
             Catch::Matchers::Contains("run_batch: called from inside"));
  CHECK_THAT(exception_message(r.block_on(std::move(b))),
             Catch::Matchers::Contains("shutdown: called from inside"));
  CHECK_FALSE(r.is_closing());  // the refused shutdown did not begin
  CHECK(destroyed == 2);
  CHECK(r.get_task_count() == 0);
}

TEST_CASE("after a refused re-entry the reactor runs, joins and shuts down as before",
          "[misuse][reentry]") {
  local::reactor r;
  int polls = 0;
  int destroyed = 0;
  auto bad = r.spawn(enters_reactor([&] { r.run_until_idle(); }, &polls, &destroyed));
  auto good = r.spawn(ready(5));
  CHECK(r.block_on(std::move(good)).get_value() == 5);
  CHECK(r.block_on(std::move(bad)).is_failed());
  r.shutdown();
  CHECK(r.is_closing());
  CHECK(destroyed == 1);
}
