#include <gentask/streams/for_each.hpp>

#include <gentask/core/errors.hpp>
#include <gentask/core/task_archetypes.hpp>
#include <gentask/futures/failed.hpp>
#include <gentask/futures/ready.hpp>
#include <gentask/reactors/local/reactor.hpp>
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

TEST_CASE("streams::for_each calls its closure on every item in order", "[streams][for_each]") {
  counting_task task;
  std::vector<int> seen;
  auto f = streams::for_each(streams::iter(std::vector<int>{3, 1, 2}),
                             [&seen](int x) { seen.push_back(x); });
  STATIC_REQUIRE(std::is_same_v<item_type_t<decltype(f)>, unit>);
  STATIC_REQUIRE(std::is_same_v<error_type_t<decltype(f)>, never>);
  CHECK(f.poll(task).is_ready());
  CHECK(seen == std::vector<int>{3, 1, 2});
  CHECK_THROWS_AS(f.poll(task), polled_after_completion);
}

TEST_CASE("streams::for_each ignores a plain value returned by its closure",
          "[streams][for_each]") {
  counting_task task;
  int sum = 0;
  auto f = streams::iter(std::vector<int>{1, 2}) | streams::for_each([&sum](int x) {
             sum += x;
             return std::string("ignored");
           });
  CHECK(f.poll(task).is_ready());
  CHECK(sum == 3);
}

TEST_CASE("streams::for_each awaits each future before the next item", "[streams][for_each]") {
  counting_task task;
  probe_record inner;
  probe_record steps;
  auto f = script_stream<int, int>({stream_item(1), stream_item(2)}, &inner) |
           streams::for_each([&steps](int x) { return probe<int, int>(steps, ready_value{x}, 1); });
  CHECK(f.poll(task).is_pending());
  CHECK(inner.polls == 1);
  CHECK(steps.destroyed == 0);
  CHECK(f.poll(task).is_pending());  // the first future done and pruned, the second pending
  CHECK(inner.polls == 2);
  CHECK(steps.destroyed == 1);
  CHECK(f.poll(task).is_ready());
  CHECK(steps.destroyed == 2);
  CHECK(inner.polls == 3);
  CHECK(inner.destroyed == 1);
  CHECK(task.get_wake_count() == 2);
}

TEST_CASE("streams::for_each handles a pending stream", "[streams][for_each]") {
  counting_task task;
  int count = 0;
  auto f = interleave_pending(streams::iter(std::vector<int>{1, 2, 3})) |
           streams::for_each([&count](int) { ++count; });
  int pendings = 0;
  while (f.poll(task).is_pending()) ++pendings;
  CHECK(count == 3);
  CHECK(pendings == 4);
  CHECK(task.get_wake_count() == 4);
}

TEST_CASE("an error of the stream or of a future short-circuits streams::for_each",
          "[streams][for_each]") {
  counting_task task;
  probe_record inner;
  int calls = 0;
  auto from_stream =
      script_stream<int, int>({stream_item(1), stream_error(5), stream_item(2)}, &inner) |
      streams::for_each([&calls](int) { ++calls; });
  auto r = from_stream.poll(task);
  REQUIRE(r.is_failed());
  CHECK(r.get_error() == 5);
  CHECK(calls == 1);
  CHECK(inner.destroyed == 1);
  CHECK_THROWS_AS(from_stream.poll(task), polled_after_completion);

  probe_record second;
  auto from_future =
      script_stream<int, std::string>({stream_item(1), stream_item(2)}, &second) |
      streams::for_each([](int x) {
        return x == 1 ? failed<unit>(std::string("first")) : failed<unit>(std::string("second"));
      });
  auto e = from_future.poll(task);
  REQUIRE(e.is_failed());
  CHECK(e.get_error() == "first");
  CHECK(second.polls == 1);
  CHECK(second.destroyed == 1);
}

TEST_CASE("a throwing streams::for_each closure completes the future", "[streams][for_each]") {
  counting_task task;
  probe_record inner;
  lifecycle closure;
  auto f = script_stream<int, int>({stream_item(1)}, &inner) |
           streams::for_each([c = counted(closure)](int) { throw std::runtime_error("x"); });
  CHECK_THROWS_AS(f.poll(task), std::runtime_error);
  CHECK(inner.destroyed == 1);
  CHECK(closure.get_alive() == 0);
  CHECK_THROWS_AS(f.poll(task), polled_after_completion);
}

TEST_CASE("streams::for_each requires unifiable errors and runs on the local reactor",
          "[streams][for_each]") {
  using ints = script_stream<int, int>;
  auto string_error = [](int) { return failed<unit>(std::string()); };
  auto int_error = [](int) { return failed<unit>(1); };
  STATIC_REQUIRE(!std::is_invocable_v<streams::for_each_fn, ints, decltype(string_error)>);
  STATIC_REQUIRE(std::is_invocable_v<streams::for_each_fn, ints, decltype(int_error)>);

  int sum = 0;
  auto r = gentask::local::block_on(interleave_pending(streams::iter(std::vector<int>{4, 5})) |
                                    streams::for_each([&sum](int x) {
                                      sum += x;
                                      return yield_now(x);
                                    }));
  CHECK(r.is_ready());
  CHECK(sum == 9);
}

TEMPLATE_TEST_CASE("streams::for_each is pollable exactly where its stream and futures are",
                   "[streams][for_each][pollable]", yield_now<int>, needs_remote_wake, needs_spawn,
                   needs_io, needs_timer, needs_ui) {
  constexpr unsigned leaf = future_pollable_on<TestType>();
  using over = decltype(make<needs_stream<TestType>>() | streams::for_each([](auto&&) {}));
  using steps = decltype(streams::iter(std::vector<int>{}) |
                         streams::for_each([](int) { return make<TestType>(); }));
  STATIC_REQUIRE(future_pollable_on<over>() == leaf);
  STATIC_REQUIRE(future_pollable_on<steps>() == leaf);
  STATIC_REQUIRE(!pollable<decltype(streams::iter(std::vector<int>{}) |
                                    streams::for_each([](int) { return needs_io{}; })),
                           arch::timer_task>);
}
