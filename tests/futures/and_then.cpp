#include <gentask/futures/and_then.hpp>

#include <gentask/futures/failed.hpp>
#include <gentask/futures/ready.hpp>

#include "support/counting_task.hpp"
#include "support/leaf_futures.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <type_traits>

using namespace gentask;
using namespace gentask::test;

TEST_CASE("and_then continues with the future made from the value", "[combinators][and_then]") {
  counting_task task;
  auto f = and_then(yield_now(2), [](int x) { return yield_now(std::string(x, 'a')); });
  STATIC_REQUIRE(std::is_same_v<item_type_t<decltype(f)>, std::string>);
  CHECK(f.poll(task).is_pending());
  CHECK(f.poll(task).is_pending());
  CHECK(f.poll(task).get_value() == "aa");
  CHECK(task.get_wake_count() == 2);
}

TEST_CASE("and_then short-circuits on the first future's error", "[combinators][and_then]") {
  counting_task task;
  bool ran = false;
  auto f = failed<int>(5) | and_then([&ran](int) {
             ran = true;
             return failed<int>(6);
           });
  CHECK(f.poll(task).get_error() == 5);
  CHECK_FALSE(ran);
}

TEST_CASE("and_then fails with the second future's error", "[combinators][and_then]") {
  counting_task task;
  auto f = ready(1) | and_then([](int) { return failed<int>(std::string("second")); });
  STATIC_REQUIRE(std::is_same_v<error_type_t<decltype(f)>, std::string>);  // never unified away
  CHECK(f.poll(task).get_error() == "second");
}

TEST_CASE("and_then requires unifiable errors and a future-returning closure",
          "[combinators][and_then]") {
  auto int_error = failed<int>(1);
  auto make_string_error = [](int) { return failed<int>(std::string()); };
  auto make_plain_value = [](int x) { return x; };
  STATIC_REQUIRE(
      !std::is_invocable_v<and_then_fn, decltype(int_error), decltype(make_string_error)>);
  STATIC_REQUIRE(
      !std::is_invocable_v<and_then_fn, decltype(int_error), decltype(make_plain_value)>);
  STATIC_REQUIRE(std::is_invocable_v<and_then_fn, decltype(ready(1)), decltype(make_string_error)>);
}
