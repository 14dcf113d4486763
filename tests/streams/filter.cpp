#include <gentask/streams/filter.hpp>

#include <gentask/core/errors.hpp>
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

namespace {
constexpr auto is_even = [](int x) { return x % 2 == 0; };
}  // namespace

TEST_CASE("streams::filter keeps the items its predicate accepts", "[streams][filter]") {
  counting_task task;
  auto s = streams::filter(streams::iter(std::vector<int>{1, 2, 3, 4, 5, 6, 7}), is_even);
  STATIC_REQUIRE(std::is_same_v<item_type_t<decltype(s)>, int>);
  CHECK(drain(s, task) == std::vector<int>{2, 4, 6});
  CHECK_THROWS_AS(s.poll_next(task), polled_after_completion);
}

TEST_CASE("streams::filter skips rejected items within one poll", "[streams][filter]") {
  counting_task task;
  probe_record inner;
  auto s = script_stream<int, int>(
               {stream_item(1), stream_item(3), stream_item(5), stream_item(6), stream_item(7)},
               &inner) |
           streams::filter(is_even);
  CHECK(s.poll_next(task).get_value() == 6);
  CHECK(inner.polls == 4);
  auto end = s.poll_next(task);  // 7 is rejected, then the end, in the same poll
  REQUIRE(end.is_ready());
  CHECK_FALSE(end.get_value().has_value());
  CHECK(inner.polls == 6);
  CHECK(inner.destroyed == 1);
  CHECK(task.get_wake_count() == 0);
}

TEST_CASE("streams::filter returns pending when its stream does and the wakes add up",
          "[streams][filter]") {
  counting_task task;
  auto s =
      interleave_pending(streams::iter(std::vector<int>{1, 2, 3, 4})) | streams::filter(is_even);
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
  CHECK(items == std::vector<int>{2, 4});
  CHECK(pendings == 5);  // before each of the four items and before the end
  CHECK(task.get_wake_count() == 5);
}

TEST_CASE("streams::filter passes an error through and it ends the stream", "[streams][filter]") {
  counting_task task;
  probe_record inner;
  int calls = 0;
  auto s = script_stream<int, std::string>(
               {stream_item(1), stream_error(std::string("broken")), stream_item(2)}, &inner) |
           streams::filter([&calls](int) {
             ++calls;
             return false;
           });
  auto r = s.poll_next(task);
  REQUIRE(r.is_failed());
  CHECK(r.get_error() == "broken");
  CHECK(calls == 1);
  CHECK(inner.destroyed == 1);
  CHECK_THROWS_AS(s.poll_next(task), polled_after_completion);
}

TEST_CASE("streams::filter gives its predicate a const reference and not a copy",
          "[streams][filter]") {
  counting_task task;
  lifecycle items;
  std::vector<counted> source;
  source.reserve(2);
  source.emplace_back(items, 1);
  source.emplace_back(items, 2);
  auto s = streams::iter(std::move(source)) |
           streams::filter([](const counted& c) { return c.get_value() == 2; });
  const std::size_t copies = items.copied;
  auto kept = drain(s, task);
  REQUIRE(kept.size() == 1);
  CHECK(kept[0].get_value() == 2);
  CHECK(items.copied == copies);

  using ints = script_stream<int, int>;
  auto mutating = [](int& x) { return ++x > 0; };
  STATIC_REQUIRE(!std::is_invocable_v<streams::filter_fn, ints, decltype(mutating)>);
  auto not_a_predicate = [](int) { return std::string(); };
  STATIC_REQUIRE(!std::is_invocable_v<streams::filter_fn, ints, decltype(not_a_predicate)>);
}

TEST_CASE("streams::filter destroys its predicate and stream once at the end",
          "[streams][filter]") {
  counting_task task;
  lifecycle pred;
  probe_record inner;
  {
    auto s = script_stream<int, int>({stream_item(2)}, &inner) |
             streams::filter([c = counted(pred)](int x) { return x > c.get_value(); });
    CHECK(s.poll_next(task).get_value() == 2);
    CHECK(pred.get_alive() == 1);
    CHECK_FALSE(s.poll_next(task).get_value().has_value());
    CHECK(pred.get_alive() == 0);
    CHECK(inner.destroyed == 1);
  }
  CHECK(inner.destroyed == 1);
  CHECK(pred.get_alive() == 0);
}

TEST_CASE("a throwing streams::filter predicate finishes the stream", "[streams][filter]") {
  counting_task task;
  probe_record inner;
  auto s = script_stream<int, int>({stream_item(1), stream_item(2)}, &inner) |
           streams::filter([](int x) -> bool {
             if (x == 2) throw std::runtime_error("two");
             return false;
           });
  CHECK_THROWS_AS(s.poll_next(task), std::runtime_error);
  CHECK(inner.destroyed == 1);
  CHECK_THROWS_AS(s.poll_next(task), polled_after_completion);
}

TEMPLATE_TEST_CASE("streams::filter is pollable exactly where its stream is",
                   "[streams][filter][pollable]", yield_now<int>, needs_remote_wake, needs_spawn,
                   needs_io, needs_timer, needs_ui) {
  using filtered =
      decltype(make<needs_stream<TestType>>() | streams::filter([](auto&&) { return true; }));
  STATIC_REQUIRE(stream_pollable_on<filtered>() == future_pollable_on<TestType>());
}
