// detail::as_future / invoke_as_future: a closure's result as a future (a plain value v becomes
// ready(v), a reference is copied, void becomes ready(unit), a future is kept as it is).
#include <gentask/detail/as_future.hpp>

#include <gentask/core/future.hpp>
#include <gentask/core/unit.hpp>
#include <gentask/futures/ready.hpp>

#include "support/leaf_futures.hpp"
#include "support/noop_task.hpp"

#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <type_traits>
#include <utility>

using namespace gentask;
using gentask::detail::as_future_t;
using gentask::detail::invoke_as_future;
using gentask::test::noop_task;
using gentask::test::yield_now;

TEST_CASE("as_future_t wraps plain values in ready and keeps futures", "[detail][as_future]") {
  STATIC_REQUIRE(std::is_same_v<as_future_t<int>, ready_future<int>>);
  STATIC_REQUIRE(std::is_same_v<as_future_t<int&>, ready_future<int>>);
  STATIC_REQUIRE(std::is_same_v<as_future_t<const std::string&>, ready_future<std::string>>);
  STATIC_REQUIRE(std::is_same_v<as_future_t<std::string&&>, ready_future<std::string>>);
  STATIC_REQUIRE(std::is_same_v<as_future_t<void>, ready_future<unit>>);
  STATIC_REQUIRE(std::is_same_v<as_future_t<yield_now<int>>, yield_now<int>>);
  STATIC_REQUIRE(std::is_same_v<as_future_t<yield_now<int>&>, yield_now<int>>);
  STATIC_REQUIRE(std::is_same_v<as_future_t<const yield_now<int>&>, yield_now<int>>);
  // A future of futures stays one future: it is not wrapped in ready.
  STATIC_REQUIRE(std::is_same_v<as_future_t<ready_future<int>>, ready_future<int>>);
  STATIC_REQUIRE(!std::is_same_v<as_future_t<ready_future<int>>, ready_future<ready_future<int>>>);
}

TEST_CASE("invoke_as_future turns a plain value into a future ready with it",
          "[detail][as_future]") {
  noop_task task;
  auto f = invoke_as_future([](int a, int b) { return a * b; }, 6, 7);
  STATIC_REQUIRE(std::is_same_v<decltype(f), ready_future<int>>);
  auto r = f.poll(task);
  REQUIRE(r.is_ready());
  CHECK(r.get_value() == 42);
}

TEST_CASE("invoke_as_future turns void into a future ready with unit, calling the closure once",
          "[detail][as_future]") {
  noop_task task;
  int calls = 0;
  auto f = invoke_as_future([&calls] { ++calls; });
  STATIC_REQUIRE(std::is_same_v<decltype(f), ready_future<unit>>);
  CHECK(calls == 1);  // invoked now, not at the first poll: laziness is the caller's job
  auto r = f.poll(task);
  REQUIRE(r.is_ready());
  CHECK(r.get_value() == unit{});
  CHECK(calls == 1);
}

TEST_CASE("invoke_as_future copies a referenced value into the ready future",
          "[detail][as_future]") {
  noop_task task;
  std::string source = "before";
  auto f = invoke_as_future([&source]() -> std::string& { return source; });
  STATIC_REQUIRE(std::is_same_v<decltype(f), ready_future<std::string>>);
  source = "after";
  auto r = f.poll(task);
  REQUIRE(r.is_ready());
  CHECK(r.get_value() == "before");
  CHECK(source == "after");  // the copy, not the original, was moved out
}

TEST_CASE("invoke_as_future returns a future result as it is", "[detail][as_future]") {
  noop_task task;
  auto f = invoke_as_future([](int v) { return yield_now<int>(v + 1); }, 1);
  STATIC_REQUIRE(std::is_same_v<decltype(f), yield_now<int>>);
  CHECK(f.poll(task).is_pending());  // the closure's own future: pending once, then ready
  auto r = f.poll(task);
  REQUIRE(r.is_ready());
  CHECK(r.get_value() == 2);
}

namespace {
/// Callable only as an rvalue, taking a move-only argument by rvalue reference.
struct consume_once {
  int bonus;
  int operator()(std::unique_ptr<int>&& p) && { return *p + bonus; }
};
}  // namespace

TEST_CASE("invoke_as_future forwards the closure and its arguments with their value category",
          "[detail][as_future]") {
  noop_task task;
  auto p = std::make_unique<int>(40);
  auto f = invoke_as_future(consume_once{2}, std::move(p));
  auto r = f.poll(task);
  REQUIRE(r.is_ready());
  CHECK(r.get_value() == 42);
}
