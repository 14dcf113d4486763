#include <gentask/streams/fold.hpp>

#include <gentask/core/errors.hpp>
#include <gentask/core/task_archetypes.hpp>
#include <gentask/futures/failed.hpp>
#include <gentask/futures/map.hpp>
#include <gentask/futures/ready.hpp>
#include <gentask/reactors/local/reactor.hpp>
#include <gentask/streams/and_then.hpp>
#include <gentask/streams/iter.hpp>
#include <gentask/streams/map.hpp>

#include "stream_kit.hpp"
#include "support/alloc_counter.hpp"
#include "support/counted.hpp"
#include "support/counting_task.hpp"
#include "support/interleave_pending.hpp"
#include "support/leaf_futures.hpp"

#include <catch2/catch.hpp>

#include <functional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

using namespace gentask;
using namespace gentask::test;
namespace arch = gentask::archetypes;

TEST_CASE("streams::fold accumulates plain values", "[streams][fold]") {
  counting_task task;
  std::vector<int> v{1, 2, 3, 4};
  auto f = streams::fold(streams::iter(v), std::string("<"),
                         [](std::string acc, int x) { return acc + std::to_string(x); });
  STATIC_REQUIRE(std::is_same_v<item_type_t<decltype(f)>, std::string>);
  STATIC_REQUIRE(std::is_same_v<error_type_t<decltype(f)>, never>);
  CHECK(f.poll(task).get_value() == "<1234");
  CHECK_THROWS_AS(f.poll(task), polled_after_completion);
  CHECK(task.get_wake_count() == 0);
}

TEST_CASE("streams::fold of an empty stream is its initial value", "[streams][fold]") {
  counting_task task;
  auto f = streams::iter(std::vector<int>{}) | streams::fold(7, std::plus<>());
  CHECK(f.poll(task).get_value() == 7);
}

TEST_CASE("streams::fold awaits a future returned by its closure", "[streams][fold]") {
  counting_task task;
  probe_record inner;
  auto f = script_stream<int, int>({stream_item(1), stream_item(2)}, &inner) |
           streams::fold(100, [](int acc, int x) { return yield_now(acc - x); });
  CHECK(f.poll(task).is_pending());
  CHECK(inner.polls == 1);  // waits for the step before polling the stream again
  CHECK(f.poll(task).is_pending());
  CHECK(inner.polls == 2);
  CHECK(f.poll(task).get_value() == 97);
  CHECK(inner.polls == 3);
  CHECK(inner.destroyed == 1);
  CHECK(task.get_wake_count() == 2);
}

TEST_CASE("streams::fold handles a pending stream", "[streams][fold]") {
  counting_task task;
  auto f =
      interleave_pending(streams::iter(std::vector<int>{5, 6})) | streams::fold(0, std::plus<>());
  int pendings = 0;
  poll_result_t<decltype(f)> r;
  while ((r = f.poll(task)).is_pending()) ++pendings;
  CHECK(r.get_value() == 11);
  CHECK(pendings == 3);
  CHECK(task.get_wake_count() == 3);
}

TEST_CASE("an error of the stream short-circuits streams::fold", "[streams][fold]") {
  counting_task task;
  probe_record inner;
  lifecycle acc_life;
  int calls = 0;
  auto f = script_stream<int, std::string>(
               {stream_item(1), stream_error(std::string("bad")), stream_item(2)}, &inner) |
           streams::fold(counted(acc_life), [&calls, &acc_life](counted acc, int x) {
             ++calls;
             return counted(acc_life, acc.get_value() + x);
           });
  auto r = f.poll(task);
  REQUIRE(r.is_failed());
  CHECK(r.get_error() == "bad");
  CHECK(calls == 1);
  CHECK(inner.destroyed == 1);
  CHECK(acc_life.get_alive() == 0);  // the accumulator is dropped with the rest
  CHECK_THROWS_AS(f.poll(task), polled_after_completion);
  CHECK(inner.polls == 2);
}

TEST_CASE("an error of a step future short-circuits streams::fold", "[streams][fold]") {
  counting_task task;
  probe_record inner;
  probe_record steps;
  auto f = script_stream<int, int>({stream_item(1), stream_item(2), stream_item(3)}, &inner) |
           streams::fold(0, [&steps](int acc, int x) {
             return x == 2 ? probe<int, int>(steps, failed_value{-x}, 1)
                           : probe<int, int>(steps, ready_value{acc + x});
           });
  CHECK(f.poll(task).is_pending());
  auto r = f.poll(task);
  REQUIRE(r.is_failed());
  CHECK(r.get_error() == -2);
  CHECK(inner.polls == 2);
  CHECK(inner.destroyed == 1);
  CHECK(steps.destroyed == 2);
}

TEST_CASE("a throwing streams::fold closure completes the fold", "[streams][fold]") {
  counting_task task;
  probe_record inner;
  lifecycle closure;
  auto f = script_stream<int, int>({stream_item(1), stream_item(2)}, &inner) |
           streams::fold(0, [c = counted(closure)](int acc, int x) {
             if (x == 2) throw std::runtime_error("two");
             return acc + x;
           });
  CHECK_THROWS_AS(f.poll(task), std::runtime_error);
  CHECK(inner.destroyed == 1);
  CHECK(closure.get_alive() == 0);
  CHECK_THROWS_AS(f.poll(task), polled_after_completion);
}

TEST_CASE("streams::fold destroys its closure once and requires a fitting closure",
          "[streams][fold]") {
  counting_task task;
  lifecycle closure;
  {
    auto f = streams::iter(std::vector<int>{1, 2}) |
             streams::fold(0, [c = counted(closure)](int acc, int x) { return acc + x; });
    CHECK(closure.get_alive() == 1);
    CHECK(f.poll(task).get_value() == 3);
    CHECK(closure.get_alive() == 0);
  }
  CHECK(closure.get_alive() == 0);

  using ints = script_stream<int, int>;
  auto to_string = [](int, int) { return std::string(); };
  auto string_error = [](int, int) { return failed<int>(std::string("e")); };
  STATIC_REQUIRE(!std::is_invocable_v<streams::fold_fn, ints, int, decltype(to_string)>);
  STATIC_REQUIRE(!std::is_invocable_v<streams::fold_fn, ints, int, decltype(string_error)>);
  STATIC_REQUIRE(std::is_invocable_v<streams::fold_fn, ints, long, std::plus<>>);
}

TEST_CASE("polling streams::fold over an lvalue vector allocates nothing",
          "[streams][fold][allocations]") {
  counting_task task;
  std::vector<int> v(100, 2);
  allocation_counter allocs;
  auto f = streams::iter(v) | streams::fold(0, [](int acc, int x) { return acc + x; });
  auto r = f.poll(task);
  REQUIRE(r.is_ready());
  CHECK(r.get_value() == 200);
  CHECK(allocs.get_count() == 0);
}

TEST_CASE("block_on drives iter then map then fold to its sum on the local reactor",
          "[streams][fold][reactor]") {
  std::vector<int> v{1, 2, 3, 4};
  auto r = gentask::local::block_on(streams::iter(v) | streams::map([](int x) { return x * x; }) |
                                    streams::fold(0, std::plus<>()));
  REQUIRE(r.is_ready());
  CHECK(r.get_value() == 30);

  auto woken =
      gentask::local::block_on(interleave_pending(streams::iter(v)) |
                               streams::fold(0, [](int acc, int x) { return yield_now(acc + x); }));
  CHECK(woken.get_value() == 10);
}

TEST_CASE("streams::fold over an io stream or with io steps is pollable only on io tasks",
          "[streams][fold][pollable]") {
  using io_items = decltype(streams::iter(std::vector<int>{}) |
                            streams::and_then([](int) { return needs_io{}; }));
  using over_io = decltype(make<io_items>() | streams::fold(0, std::plus<>()));
  STATIC_REQUIRE(std::is_same_v<error_type_t<over_io>, int>);
  STATIC_REQUIRE(pollable<over_io, arch::io_task>);
  STATIC_REQUIRE(pollable<over_io, arch::full_task>);
  STATIC_REQUIRE(!pollable<over_io, arch::task>);
  STATIC_REQUIRE(future_pollable_on<over_io>() == io_only);

  using io_steps = decltype(streams::iter(std::vector<int>{}) |
                            streams::fold(0, [](int, int) { return needs_io{}; }));
  STATIC_REQUIRE(future_pollable_on<io_steps>() == io_only);
  STATIC_REQUIRE(!pollable<io_steps, counting_task>);
}

TEMPLATE_TEST_CASE("streams::fold is pollable exactly where its stream and steps are",
                   "[streams][fold][pollable]", yield_now<int>, needs_remote_wake, needs_spawn,
                   needs_io, needs_timer, needs_ui) {
  constexpr unsigned leaf = future_pollable_on<TestType>();
  using over = decltype(make<needs_stream<TestType>>() |
                        streams::fold(0, [](int acc, auto&&) { return acc; }));
  using steps = decltype(streams::iter(std::vector<int>{}) | streams::fold(0, [](int, int) {
                           return make<TestType>() | gentask::map([](auto&&) { return 0; });
                         }));
  STATIC_REQUIRE(future_pollable_on<over>() == leaf);
  STATIC_REQUIRE(future_pollable_on<steps>() == leaf);
}
