#include <gentask/futures/map_err.hpp>

#include <gentask/core/errors.hpp>
#include <gentask/futures/failed.hpp>
#include <gentask/futures/ready.hpp>

#include "support/counting_task.hpp"
#include "support/leaf_futures.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace gentask;
using namespace gentask::test;

TEST_CASE("map_err applies its closure to the error", "[combinators][map_err]") {
  counting_task task;
  auto f = failed<int>(404) | map_err([](int code) { return "error " + std::to_string(code); });
  STATIC_REQUIRE(std::is_same_v<error_type_t<decltype(f)>, std::string>);
  STATIC_REQUIRE(std::is_same_v<item_type_t<decltype(f)>, int>);
  CHECK(f.poll(task).get_error() == "error 404");
  CHECK_THROWS_AS(f.poll(task), polled_after_completion);
}

TEST_CASE("map_err passes values through without running the closure", "[combinators][map_err]") {
  counting_task task;
  bool ran = false;
  auto f = yield_now(1) | map_err([&ran](never) {
             ran = true;
             return 0;
           });
  CHECK(f.poll(task).is_pending());
  CHECK(f.poll(task).get_value() == 1);
  CHECK_FALSE(ran);
}

TEST_CASE("map_err destroys its child at completion", "[combinators][map_err]") {
  counting_task task;
  probe_record child;
  auto f = probe<int, int>(child, failed_value{1}) | map_err([](int e) { return e * 10; });
  CHECK(f.poll(task).get_error() == 10);
  CHECK(child.destroyed == 1);
}
