#include <gentask/streams/take.hpp>

#include <gentask/core/errors.hpp>
#include <gentask/streams/filter.hpp>
#include <gentask/streams/iter.hpp>
#include <gentask/streams/map.hpp>

#include "stream_kit.hpp"
#include "support/alloc_counter.hpp"
#include "support/counting_task.hpp"
#include "support/interleave_pending.hpp"
#include "support/leaf_futures.hpp"

#include <catch2/catch.hpp>

#include <range/v3/view/iota.hpp>

#include <string>
#include <type_traits>
#include <vector>

using namespace gentask;
using namespace gentask::test;

TEST_CASE("streams::take yields the first n items and then ends", "[streams][take]") {
  counting_task task;
  auto s = streams::take(streams::iter(ranges::views::iota(0)), 3);  // an infinite range
  CHECK(drain(s, task) == std::vector<int>{0, 1, 2});
  CHECK_THROWS_AS(s.poll_next(task), polled_after_completion);
}

TEST_CASE("streams::take drops its stream right after the nth item", "[streams][take]") {
  counting_task task;
  probe_record inner;
  auto s = script_stream<int, int>({stream_item(1), stream_item(2), stream_item(3)}, &inner) |
           streams::take(2);
  CHECK(s.poll_next(task).get_value() == 1);
  CHECK(inner.destroyed == 0);
  CHECK(s.poll_next(task).get_value() == 2);
  CHECK(inner.destroyed == 1);  // done: pruned before the end is asked for
  CHECK_FALSE(s.poll_next(task).get_value().has_value());
  CHECK(inner.polls == 2);  // never polled for an item it would not give
  CHECK_THROWS_AS(s.poll_next(task), polled_after_completion);
}

TEST_CASE("streams::take of zero ends without polling its stream", "[streams][take]") {
  counting_task task;
  probe_record inner;
  auto s = streams::take(script_stream<int, int>({stream_item(1)}, &inner), 0);
  CHECK_FALSE(s.poll_next(task).get_value().has_value());
  CHECK(inner.polls == 0);
  CHECK(inner.destroyed == 1);
}

TEST_CASE("streams::take ends early with a shorter stream and passes errors through",
          "[streams][take]") {
  counting_task task;
  auto shorter = streams::iter(std::vector<int>{7}) | streams::take(5);
  CHECK(drain(shorter, task) == std::vector<int>{7});

  probe_record inner;
  auto failing = script_stream<int, std::string>(
                     {stream_item(1), stream_error(std::string("e")), stream_item(2)}, &inner) |
                 streams::take(3);
  CHECK(failing.poll_next(task).get_value() == 1);
  auto r = failing.poll_next(task);
  REQUIRE(r.is_failed());
  CHECK(r.get_error() == "e");
  CHECK(inner.destroyed == 1);
  CHECK_THROWS_AS(failing.poll_next(task), polled_after_completion);
}

TEST_CASE("streams::take forwards pending without counting it as an item", "[streams][take]") {
  counting_task task;
  auto s = interleave_pending(streams::iter(std::vector<int>{1, 2, 3, 4})) | streams::take(2);
  CHECK(s.poll_next(task).is_pending());
  CHECK(s.poll_next(task).get_value() == 1);
  CHECK(s.poll_next(task).is_pending());
  CHECK(s.poll_next(task).get_value() == 2);
  CHECK_FALSE(s.poll_next(task).get_value().has_value());
  CHECK(task.get_wake_count() == 2);
}

TEST_CASE("polling iter then map then filter then take over a vector allocates nothing",
          "[streams][take][allocations]") {
  counting_task task;
  std::vector<int> v{1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  allocation_counter allocs;
  auto s = streams::iter(v) | streams::map([](int x) { return x * x; }) |
           streams::filter([](int x) { return x % 2 == 1; }) | streams::take(3);
  int sum = 0;
  int items = 0;
  for (;;) {
    auto r = s.poll_next(task);
    REQUIRE(r.is_ready());
    if (!r.get_value()) break;
    sum += *r.get_value();
    ++items;
  }
  CHECK(items == 3);
  CHECK(sum == 1 + 9 + 25);
  CHECK(allocs.get_count() == 0);
}

TEMPLATE_TEST_CASE("streams::take is pollable exactly where its stream is",
                   "[streams][take][pollable]", yield_now<int>, needs_remote_wake, needs_spawn,
                   needs_io, needs_timer, needs_ui) {
  using taken = decltype(make<needs_stream<TestType>>() | streams::take(1));
  STATIC_REQUIRE(stream_pollable_on<taken>() == future_pollable_on<TestType>());
}
