#include <gentask/futures/or_else.hpp>

#include <gentask/futures/failed.hpp>
#include <gentask/futures/ready.hpp>

#include "support/counting_task.hpp"
#include "support/leaf_futures.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <type_traits>

using namespace gentask;
using namespace gentask::test;

TEST_CASE("or_else recovers from an error with a new future", "[combinators][or_else]") {
  counting_task task;
  auto f = failed<int>(std::string("lost")) |
           or_else([](std::string e) { return yield_now(static_cast<int>(e.size())); });
  STATIC_REQUIRE(std::is_same_v<error_type_t<decltype(f)>, never>);
  CHECK(f.poll(task).is_pending());
  CHECK(f.poll(task).get_value() == 4);
}

TEST_CASE("or_else keeps the value and never runs on success", "[combinators][or_else]") {
  counting_task task;
  bool ran = false;
  auto f = yield_now(1) | or_else([&ran](never) {
             ran = true;
             return ready(0);
           });
  CHECK(f.poll(task).is_pending());
  CHECK(f.poll(task).get_value() == 1);
  CHECK_FALSE(ran);
}

TEST_CASE("or_else can fail with a new error type", "[combinators][or_else]") {
  counting_task task;
  auto f = failed<int>(1) | or_else([](int e) { return failed<int>(std::to_string(e)); });
  STATIC_REQUIRE(std::is_same_v<error_type_t<decltype(f)>, std::string>);
  CHECK(f.poll(task).get_error() == "1");
}
