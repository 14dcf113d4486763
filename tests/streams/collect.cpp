#include <gentask/streams/collect.hpp>

#include <gentask/core/errors.hpp>
#include <gentask/reactors/local/reactor.hpp>
#include <gentask/streams/iter.hpp>
#include <gentask/streams/map.hpp>

#include "stream_kit.hpp"
#include "support/counting_task.hpp"
#include "support/interleave_pending.hpp"
#include "support/leaf_futures.hpp"

#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <type_traits>
#include <vector>

using namespace gentask;
using namespace gentask::test;

TEST_CASE("streams::collect gathers the items in order", "[streams][collect]") {
  counting_task task;
  auto f = streams::collect(streams::iter(std::vector<int>{4, 5, 6}) |
                            streams::map([](int x) { return std::to_string(x); }));
  STATIC_REQUIRE(std::is_same_v<item_type_t<decltype(f)>, std::vector<std::string>>);
  STATIC_REQUIRE(std::is_same_v<error_type_t<decltype(f)>, never>);
  CHECK(f.poll(task).get_value() == std::vector<std::string>{"4", "5", "6"});
  CHECK_THROWS_AS(f.poll(task), polled_after_completion);
}

TEST_CASE("streams::collect of an empty stream is an empty vector", "[streams][collect]") {
  counting_task task;
  auto f = streams::iter(std::vector<int>{}) | streams::collect();
  auto r = f.poll(task);
  REQUIRE(r.is_ready());
  CHECK(r.get_value().empty());
}

TEST_CASE("streams::collect moves move-only items", "[streams][collect]") {
  counting_task task;
  auto f = streams::iter(std::vector<int>{1, 2}) |
           streams::map([](int x) { return std::make_unique<int>(x); }) | streams::collect();
  auto r = f.poll(task);
  REQUIRE(r.is_ready());
  REQUIRE(r.get_value().size() == 2);
  CHECK(*r.get_value()[1] == 2);
}

TEST_CASE("streams::collect waits through a pending stream", "[streams][collect]") {
  counting_task task;
  auto f = interleave_pending(streams::iter(std::vector<int>{1, 2})) | streams::collect();
  int pendings = 0;
  poll_result_t<decltype(f)> r;
  while ((r = f.poll(task)).is_pending()) ++pendings;
  CHECK(r.get_value() == std::vector<int>{1, 2});
  CHECK(pendings == 3);
  CHECK(task.get_wake_count() == 3);
}

TEST_CASE("an error short-circuits streams::collect", "[streams][collect]") {
  counting_task task;
  probe_record inner;
  auto f = script_stream<int, std::string>(
               {stream_item(1), stream_error(std::string("lost")), stream_item(2)}, &inner) |
           streams::collect();
  auto r = f.poll(task);
  REQUIRE(r.is_failed());
  CHECK(r.get_error() == "lost");
  CHECK(inner.polls == 2);
  CHECK(inner.destroyed == 1);
  CHECK_THROWS_AS(f.poll(task), polled_after_completion);
}

TEST_CASE("block_on collects a stream on the local reactor", "[streams][collect][reactor]") {
  auto r = gentask::local::block_on(interleave_pending(streams::iter(std::vector<int>{9, 8})) |
                                    streams::collect());
  CHECK(r.get_value() == std::vector<int>{9, 8});
}

TEMPLATE_TEST_CASE("streams::collect is pollable exactly where its stream is",
                   "[streams][collect][pollable]", yield_now<int>, needs_remote_wake, needs_spawn,
                   needs_io, needs_timer, needs_ui) {
  using collected = decltype(make<needs_stream<TestType>>() | streams::collect());
  STATIC_REQUIRE(future_pollable_on<collected>() == future_pollable_on<TestType>());
}
