#include <gentask/streams/and_then.hpp>

#include <gentask/core/errors.hpp>
#include <gentask/core/task_archetypes.hpp>
#include <gentask/futures/failed.hpp>
#include <gentask/futures/map.hpp>
#include <gentask/futures/ready.hpp>
#include <gentask/streams/iter.hpp>

#include "stream_kit.hpp"
#include "support/counted.hpp"
#include "support/counting_task.hpp"
#include "support/interleave_pending.hpp"
#include "support/leaf_futures.hpp"

#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

using namespace gentask;
using namespace gentask::test;
namespace arch = gentask::archetypes;

TEST_CASE("streams::and_then yields the item of the future made from each item",
          "[streams][and_then]") {
  counting_task task;
  auto s = streams::iter(std::vector<int>{1, 2}) |
           streams::and_then([](int x) { return yield_now(std::string(x, 'z')); });
  STATIC_REQUIRE(std::is_same_v<item_type_t<decltype(s)>, std::string>);
  STATIC_REQUIRE(std::is_same_v<error_type_t<decltype(s)>, never>);
  CHECK(s.poll_next(task).is_pending());
  CHECK(s.poll_next(task).get_value() == "z");
  CHECK(s.poll_next(task).is_pending());
  CHECK(s.poll_next(task).get_value() == "zz");
  CHECK_FALSE(s.poll_next(task).get_value().has_value());
  CHECK(task.get_wake_count() == 2);
  CHECK_THROWS_AS(s.poll_next(task), polled_after_completion);
}

TEST_CASE("streams::and_then runs one future at a time and prunes each when it completes",
          "[streams][and_then]") {
  counting_task task;
  probe_record inner;
  probe_record futures;
  auto s = streams::and_then(
      script_stream<int, int>({stream_item(1), stream_item(2)}, &inner),
      [&futures](int x) { return probe<int, int>(futures, ready_value{x * 10}, 2); });
  CHECK(s.poll_next(task).is_pending());  // item 1, its future pending
  CHECK(s.poll_next(task).is_pending());
  CHECK(inner.polls == 1);  // the stream waits for the future
  CHECK(futures.destroyed == 0);
  CHECK(s.poll_next(task).get_value() == 10);
  CHECK(futures.destroyed == 1);  // pruned before the item is returned
  CHECK(inner.polls == 1);
  CHECK(s.poll_next(task).is_pending());
  CHECK(inner.polls == 2);
  CHECK(s.poll_next(task).is_pending());
  CHECK(s.poll_next(task).get_value() == 20);
  CHECK(futures.destroyed == 2);
  CHECK(futures.polls == 6);
  CHECK_FALSE(s.poll_next(task).get_value().has_value());
  CHECK(inner.destroyed == 1);
  CHECK(task.get_wake_count() == 4);
}

TEST_CASE("streams::and_then handles a pending stream", "[streams][and_then]") {
  counting_task task;
  auto s = interleave_pending(streams::iter(std::vector<int>{3, 4})) |
           streams::and_then([](int x) { return ready(x + 1); });
  std::vector<int> items;
  int pendings = 0;
  for (;;) {
    auto r = s.poll_next(task);
    if (r.is_pending()) {
      ++pendings;
      continue;
    }
    if (!r.get_value()) break;
    items.push_back(*r.get_value());
  }
  CHECK(items == std::vector<int>{4, 5});
  CHECK(pendings == 3);
  CHECK(task.get_wake_count() == 3);
}

TEST_CASE("an error of the future made by streams::and_then ends the stream",
          "[streams][and_then]") {
  counting_task task;
  probe_record inner;
  probe_record futures;
  auto s =
      script_stream<int, std::string>({stream_item(1), stream_item(2), stream_item(3)}, &inner) |
      streams::and_then([&futures](int x) {
        return x == 2 ? probe<int, std::string>(futures, failed_value{std::string("two")})
                      : probe<int, std::string>(futures, ready_value{x});
      });
  CHECK(s.poll_next(task).get_value() == 1);
  auto r = s.poll_next(task);
  REQUIRE(r.is_failed());
  CHECK(r.get_error() == "two");
  CHECK(inner.destroyed == 1);
  CHECK(inner.polls == 2);
  CHECK(futures.destroyed == 2);
  CHECK_THROWS_AS(s.poll_next(task), polled_after_completion);
}

TEST_CASE("an error of the stream under streams::and_then ends it without running the closure",
          "[streams][and_then]") {
  counting_task task;
  int calls = 0;
  auto s = script_stream<int, int>({stream_error(9), stream_item(1)}) |
           streams::and_then([&calls](int x) {
             ++calls;
             return ready(x);
           });
  STATIC_REQUIRE(std::is_same_v<error_type_t<decltype(s)>, int>);  // int unified with never
  auto r = s.poll_next(task);
  REQUIRE(r.is_failed());
  CHECK(r.get_error() == 9);
  CHECK(calls == 0);
  CHECK_THROWS_AS(s.poll_next(task), polled_after_completion);
}

TEST_CASE("streams::and_then unifies the errors of the stream and of the futures",
          "[streams][and_then]") {
  auto string_error = [](int) { return failed<int>(std::string()); };
  auto int_error = [](int) { return failed<int>(3); };
  auto plain_value = [](int x) { return x; };
  STATIC_REQUIRE(
      !std::is_invocable_v<streams::and_then_fn, script_stream<int, int>, decltype(string_error)>);
  STATIC_REQUIRE(
      !std::is_invocable_v<streams::and_then_fn, script_stream<int, int>, decltype(plain_value)>);
  STATIC_REQUIRE(
      std::is_invocable_v<streams::and_then_fn, script_stream<int, int>, decltype(int_error)>);
  using never_and_string =
      decltype(streams::iter(std::vector<int>{}) | streams::and_then(string_error));
  STATIC_REQUIRE(std::is_same_v<error_type_t<never_and_string>, std::string>);
}

TEST_CASE("a throwing streams::and_then closure finishes the stream", "[streams][and_then]") {
  counting_task task;
  lifecycle closure;
  probe_record inner;
  auto s = script_stream<int, int>({stream_item(1)}, &inner) |
           streams::and_then([c = counted(closure)](int) -> ready_future<int> {
             throw std::runtime_error("no future");
           });
  CHECK_THROWS_AS(s.poll_next(task), std::runtime_error);
  CHECK(inner.destroyed == 1);
  CHECK(closure.get_alive() == 0);
  CHECK_THROWS_AS(s.poll_next(task), polled_after_completion);
}

TEST_CASE("streams::and_then over an io future is pollable only on io tasks",
          "[streams][and_then][pollable]") {
  using s = decltype(streams::iter(std::vector<int>{}) |
                     streams::and_then([](int) { return needs_io{}; }));
  STATIC_REQUIRE(std::is_same_v<error_type_t<s>, int>);
  STATIC_REQUIRE(pollable_stream<s, arch::io_task>);
  STATIC_REQUIRE(pollable_stream<s, arch::full_task>);
  STATIC_REQUIRE(!pollable_stream<s, arch::task>);
  STATIC_REQUIRE(!pollable_stream<s, arch::timer_task>);
  STATIC_REQUIRE(!pollable_stream<s, counting_task>);
  STATIC_REQUIRE(stream_pollable_on<s>() == io_only);
}

TEMPLATE_TEST_CASE("streams::and_then is pollable exactly where its stream and futures are",
                   "[streams][and_then][pollable]", yield_now<int>, needs_remote_wake, needs_spawn,
                   needs_io, needs_timer, needs_ui) {
  constexpr unsigned leaf = future_pollable_on<TestType>();
  using from_stream =
      decltype(make<needs_stream<TestType>>() | streams::and_then([](auto&&) { return ready(1); }));
  using from_future = decltype(streams::iter(std::vector<int>{}) |
                               streams::and_then([](int) { return make<TestType>(); }));
  using both = decltype(make<needs_stream<TestType>>() |
                        streams::and_then([](auto&&) { return make<TestType>(); }));
  STATIC_REQUIRE(stream_pollable_on<from_stream>() == leaf);
  STATIC_REQUIRE(stream_pollable_on<from_future>() == leaf);
  STATIC_REQUIRE(stream_pollable_on<both>() == leaf);
  using mixed = decltype(make<needs_stream<needs_timer>>() |
                         streams::and_then([](auto&&) { return make<TestType>(); }));
  STATIC_REQUIRE(stream_pollable_on<mixed>() == (leaf & future_pollable_on<needs_timer>()));
}
