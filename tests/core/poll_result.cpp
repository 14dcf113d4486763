#include <gentask/core/poll_result.hpp>

#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <type_traits>

using namespace gentask;

TEST_CASE("a default poll_result is pending", "[core][poll_result]") {
  constexpr poll_result<int, int> r;
  STATIC_REQUIRE(r.is_pending());
  STATIC_REQUIRE(r.get_status() == poll_status::pending);
  STATIC_REQUIRE(!r.is_complete());
}

TEST_CASE("poll_result is usable in constant expressions", "[core][poll_result]") {
  constexpr poll_result<int, int> ready_r(ready_value{7});
  constexpr poll_result<int, int> failed_r(failed_value{3});
  STATIC_REQUIRE(ready_r.is_ready());
  STATIC_REQUIRE(ready_r.get_value() == 7);
  STATIC_REQUIRE(failed_r.is_failed());
  STATIC_REQUIRE(failed_r.get_error() == 3);
  STATIC_REQUIRE(ready_r.is_complete() && failed_r.is_complete());
  STATIC_REQUIRE(ready_r != failed_r);
  STATIC_REQUIRE(poll_result<int, int>(pending) == poll_result<int, int>());
}

TEST_CASE("poll_result of trivial types is trivially copyable and small", "[core][poll_result]") {
  STATIC_REQUIRE(std::is_trivially_copyable_v<poll_result<int, int>>);
  STATIC_REQUIRE(std::is_trivially_copyable_v<poll_result<unit, never>>);
  STATIC_REQUIRE(sizeof(poll_result<int, int>) <= 2 * sizeof(int));
}

TEST_CASE("poll_result works with unit items and move-only values", "[core][poll_result]") {
  poll_result<unit, never> done(ready_value{});
  CHECK(done.is_ready());
  CHECK(done.get_value() == unit{});

  poll_result<std::unique_ptr<int>, std::string> r(ready_value{std::make_unique<int>(5)});
  auto p = std::move(r).get_value();
  REQUIRE(p != nullptr);
  CHECK(*p == 5);
}

TEST_CASE("checked accessors throw on the wrong state", "[core][poll_result]") {
  poll_result<int, std::string> p;
  CHECK_THROWS_AS(p.get_value(), bad_poll_result_access);
  CHECK_THROWS_AS(p.get_error(), bad_poll_result_access);
  poll_result<int, std::string> r(ready_value{1});
  CHECK_THROWS_AS(r.get_error(), bad_poll_result_access);
  poll_result<int, std::string> f(failed_value{std::string("x")});
  CHECK_THROWS_AS(f.get_value(), bad_poll_result_access);
  CHECK(f.get_error() == "x");
}

TEST_CASE("a result that cannot fail converts to any error type", "[core][poll_result]") {
  poll_result<int, never> infallible(ready_value{4});
  poll_result<int, std::string> widened(std::move(infallible));
  CHECK(widened.get_value() == 4);

  poll_result<never, int> cannot_succeed(failed_value{9});
  poll_result<std::string, int> widened_item(std::move(cannot_succeed));
  CHECK(widened_item.get_error() == 9);

  STATIC_REQUIRE(!std::is_constructible_v<poll_result<int, int>, poll_result<std::string, int>&&>);
}
