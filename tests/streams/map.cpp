#include <gentask/streams/map.hpp>

#include <gentask/core/errors.hpp>
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

TEST_CASE("streams::map applies its closure to every item and then ends", "[streams][map]") {
  counting_task task;
  std::vector<int> v{1, 2, 3};
  auto s = streams::map(streams::iter(v), [](int x) { return std::to_string(10 * x); });
  STATIC_REQUIRE(std::is_same_v<item_type_t<decltype(s)>, std::string>);
  STATIC_REQUIRE(std::is_same_v<error_type_t<decltype(s)>, never>);
  CHECK(drain(s, task) == std::vector<std::string>{"10", "20", "30"});
  CHECK_THROWS_AS(s.poll_next(task), polled_after_completion);
}

TEST_CASE("streams::map in pipe form and from a reused lvalue closure", "[streams][map]") {
  counting_task task;
  const auto twice = streams::map([](int x) { return 2 * x; });
  auto a = streams::iter(std::vector<int>{1, 2}) | twice;
  auto b = streams::iter(std::vector<int>{5}) | twice | streams::map([](int x) { return x + 1; });
  CHECK(drain(a, task) == std::vector<int>{2, 4});
  CHECK(drain(b, task) == std::vector<int>{11});
}

TEST_CASE("streams::map of a void closure gives unit items", "[streams][map]") {
  counting_task task;
  int sum = 0;
  auto s = streams::iter(std::vector<int>{1, 2, 3}) | streams::map([&sum](int x) { sum += x; });
  STATIC_REQUIRE(std::is_same_v<item_type_t<decltype(s)>, unit>);
  CHECK(drain(s, task).size() == 3);
  CHECK(sum == 6);
}

TEST_CASE("streams::map copies a reference returned by its closure into the item",
          "[streams][map]") {
  counting_task task;
  const std::vector<std::string> names{"ada", "bob"};
  auto s = streams::iter(std::vector<int>{1, 0}) |
           streams::map([&names](int i) -> const std::string& { return names[i]; });
  STATIC_REQUIRE(std::is_same_v<item_type_t<decltype(s)>, std::string>);
  CHECK(drain(s, task) == std::vector<std::string>{"bob", "ada"});
}

TEST_CASE("streams::map passes an error through and it ends the stream", "[streams][map]") {
  counting_task task;
  probe_record inner;
  int calls = 0;
  auto s = script_stream<int, std::string>(
               {stream_item(1), stream_error(std::string("bad")), stream_item(2)}, &inner) |
           streams::map([&calls](int x) {
             ++calls;
             return x * 3;
           });
  STATIC_REQUIRE(std::is_same_v<error_type_t<decltype(s)>, std::string>);
  CHECK(s.poll_next(task).get_value() == 3);
  auto failure = s.poll_next(task);
  REQUIRE(failure.is_failed());
  CHECK(failure.get_error() == "bad");
  CHECK(calls == 1);
  CHECK(inner.destroyed == 1);  // pruned at the error
  CHECK_THROWS_AS(s.poll_next(task), polled_after_completion);
  CHECK(inner.polls == 2);
}

TEST_CASE("streams::map forwards pending and the task is woken once per pending",
          "[streams][map]") {
  counting_task task;
  auto s = interleave_pending(streams::iter(std::vector<int>{1, 2, 3})) |
           streams::map([](int x) { return -x; });
  int pendings = 0;
  std::vector<int> items;
  for (;;) {
    auto r = s.poll_next(task);
    if (r.is_pending()) {
      ++pendings;
      CHECK(task.get_wake_count() == static_cast<std::size_t>(pendings));
      continue;
    }
    if (!r.get_value()) break;
    items.push_back(*r.get_value());
  }
  CHECK(items == std::vector<int>{-1, -2, -3});
  CHECK(pendings == 4);  // one before each item and one before the end
  CHECK(task.get_wake_count() == 4);
}

TEST_CASE("streams::map destroys its stream and closure at the end exactly once",
          "[streams][map]") {
  counting_task task;
  lifecycle closure;
  probe_record inner;
  {
    auto s = script_stream<int, int>({stream_item(4)}, &inner) |
             streams::map([c = counted(closure, 1)](int x) { return x + c.get_value(); });
    CHECK(closure.get_alive() == 1);
    CHECK(s.poll_next(task).get_value() == 5);
    CHECK(inner.destroyed == 0);
    CHECK_FALSE(s.poll_next(task).get_value().has_value());
    CHECK(inner.destroyed == 1);
    CHECK(closure.get_alive() == 0);
  }
  CHECK(inner.destroyed == 1);
  CHECK(closure.get_alive() == 0);
  CHECK(closure.destroyed == closure.constructed + closure.copied + closure.moved);
}

TEST_CASE("a throwing streams::map closure finishes the stream", "[streams][map]") {
  counting_task task;
  lifecycle closure;
  probe_record inner;
  auto s = script_stream<int, int>({stream_item(1), stream_item(2), stream_item(3)}, &inner) |
           streams::map([c = counted(closure)](int x) {
             if (x == 2) throw std::runtime_error("two");
             return x;
           });
  CHECK(s.poll_next(task).get_value() == 1);
  CHECK_THROWS_AS(s.poll_next(task), std::runtime_error);
  CHECK(inner.destroyed == 1);
  CHECK(closure.get_alive() == 0);
  CHECK_THROWS_AS(s.poll_next(task), polled_after_completion);
  CHECK(inner.polls == 2);
}

TEST_CASE("streams::map requires a closure that takes the item", "[streams][map]") {
  using ints = script_stream<int, int>;
  auto takes_string = [](const std::string& s) { return s.size(); };
  auto takes_int = [](int x) { return x; };
  STATIC_REQUIRE(!std::is_invocable_v<streams::map_fn, ints, decltype(takes_string)>);
  STATIC_REQUIRE(std::is_invocable_v<streams::map_fn, ints, decltype(takes_int)>);
  STATIC_REQUIRE(!std::is_invocable_v<streams::map_fn, ready_future<int>, decltype(takes_int)>);
}

TEMPLATE_TEST_CASE("streams::map is pollable exactly where its stream is",
                   "[streams][map][pollable]", yield_now<int>, needs_remote_wake, needs_spawn,
                   needs_io, needs_timer, needs_ui) {
  using inner = needs_stream<TestType>;
  using mapped = decltype(make<inner>() | streams::map([](auto&&) { return 0; }));
  STATIC_REQUIRE(stream_pollable_on<inner>() == future_pollable_on<TestType>());
  STATIC_REQUIRE(stream_pollable_on<mapped>() == future_pollable_on<TestType>());
}
