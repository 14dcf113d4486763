#include <gentask/streams/into_future.hpp>

#include <gentask/core/errors.hpp>
#include <gentask/futures/and_then.hpp>
#include <gentask/futures/failed.hpp>
#include <gentask/futures/map.hpp>
#include <gentask/reactors/local/reactor.hpp>
#include <gentask/streams/collect.hpp>
#include <gentask/streams/iter.hpp>
#include <gentask/streams/map.hpp>

#include "stream_kit.hpp"
#include "support/counting_task.hpp"
#include "support/interleave_pending.hpp"
#include "support/leaf_futures.hpp"

#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

using namespace gentask;
using namespace gentask::test;

TEST_CASE("streams::into_future gives the next item and the rest of the stream",
          "[streams][into_future]") {
  counting_task task;
  auto f = streams::into_future(streams::iter(std::vector<int>{1, 2, 3}));
  using rest_type = decltype(streams::iter(std::vector<int>{}));
  STATIC_REQUIRE(
      std::is_same_v<item_type_t<decltype(f)>, std::pair<std::optional<int>, rest_type>>);
  auto r = f.poll(task);
  REQUIRE(r.is_ready());
  auto [first, rest] = std::move(r).get_value();
  CHECK(first == 1);
  CHECK(drain(rest, task) == std::vector<int>{2, 3});  // the rest continues
  CHECK_THROWS_AS(f.poll(task), polled_after_completion);
}

TEST_CASE("streams::into_future at the end gives nullopt and the finished stream",
          "[streams][into_future]") {
  counting_task task;
  auto f = streams::iter(std::vector<int>{}) | streams::into_future();
  auto r = f.poll(task);
  REQUIRE(r.is_ready());
  CHECK_FALSE(r.get_value().first.has_value());
  CHECK_THROWS_AS(r.get_value().second.poll_next(task), polled_after_completion);
}

TEST_CASE("streams::into_future waits through pending and can be repeated on the rest",
          "[streams][into_future]") {
  counting_task task;
  auto s = interleave_pending(streams::iter(std::vector<int>{5, 6}));
  std::vector<int> items;
  for (;;) {
    auto f = std::move(s) | streams::into_future();
    poll_result_t<decltype(f)> r;
    while ((r = f.poll(task)).is_pending()) {
    }
    auto [item, rest] = std::move(r).get_value();
    if (!item) break;
    items.push_back(*item);
    s = std::move(rest);
  }
  CHECK(items == std::vector<int>{5, 6});
  CHECK(task.get_wake_count() == 3);
}

TEST_CASE("streams::into_future fails with the error and the finished stream",
          "[streams][into_future]") {
  counting_task task;
  probe_record inner;
  auto f = script_stream<int, std::string>({stream_error(std::string("gone"))}, &inner) |
           streams::into_future();
  STATIC_REQUIRE(std::is_same_v<error_type_t<decltype(f)>,
                                std::pair<std::string, script_stream<int, std::string>>>);
  auto r = f.poll(task);
  REQUIRE(r.is_failed());
  CHECK(r.get_error().first == "gone");
  CHECK(inner.destroyed == 0);  // handed back, not dropped
  CHECK_THROWS_AS(r.get_error().second.poll_next(task), polled_after_completion);
  CHECK_THROWS_AS(f.poll(task), polled_after_completion);
}

TEST_CASE("streams::into_future of an infallible stream cannot fail and composes",
          "[streams][into_future]") {
  using infallible = decltype(streams::iter(std::vector<int>{}) | streams::into_future());
  STATIC_REQUIRE(std::is_same_v<error_type_t<infallible>, never>);

  // Head and tail: the first item and the collected rest, one future.
  auto f =
      streams::iter(std::vector<int>{7, 8, 9}) | streams::into_future() |
      gentask::and_then([](auto head_and_rest) {
        int head = head_and_rest.first.value_or(0);
        return std::move(head_and_rest.second) | streams::collect() |
               gentask::map([head](std::vector<int> tail) { return std::make_pair(head, tail); });
      });
  auto r = gentask::local::block_on(std::move(f));
  REQUIRE(r.is_ready());
  CHECK(r.get_value().first == 7);
  CHECK(r.get_value().second == std::vector<int>{8, 9});
}

TEMPLATE_TEST_CASE("streams::into_future is pollable exactly where its stream is",
                   "[streams][into_future][pollable]", yield_now<int>, needs_remote_wake,
                   needs_spawn, needs_io, needs_timer, needs_ui) {
  using head = decltype(make<needs_stream<TestType>>() | streams::into_future());
  STATIC_REQUIRE(future_pollable_on<head>() == future_pollable_on<TestType>());
}
