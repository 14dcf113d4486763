#include <gentask/futures/map.hpp>

#include <gentask/core/errors.hpp>
#include <gentask/futures/failed.hpp>
#include <gentask/futures/ready.hpp>

#include "support/counted.hpp"
#include "support/counting_task.hpp"
#include "support/leaf_futures.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace gentask;
using namespace gentask::test;

TEST_CASE("map applies its closure to the value", "[combinators][map]") {
  counting_task task;
  auto f = yield_now(20) | gentask::map([](int x) { return std::to_string(x + 1); });
  STATIC_REQUIRE(std::is_same_v<item_type_t<decltype(f)>, std::string>);
  CHECK(f.poll(task).is_pending());
  CHECK(f.poll(task).get_value() == "21");
  CHECK_THROWS_AS(f.poll(task), polled_after_completion);
}

TEST_CASE("map passes errors through without running the closure", "[combinators][map]") {
  counting_task task;
  bool ran = false;
  auto f = gentask::map(failed<int>(3), [&ran](int x) {
    ran = true;
    return x;
  });
  CHECK(f.poll(task).get_error() == 3);
  CHECK_FALSE(ran);
}

TEST_CASE("map of a void closure gives unit", "[combinators][map]") {
  counting_task task;
  auto f = ready(1) | gentask::map([](int) {});
  STATIC_REQUIRE(std::is_same_v<item_type_t<decltype(f)>, unit>);
  CHECK(f.poll(task).is_ready());
}

TEST_CASE("map destroys its child and closure at completion, once", "[combinators][map]") {
  counting_task task;
  lifecycle closure_life;
  probe_record child;
  {
    auto f = probe<int>(child, ready_value{1}, 1) |
             gentask::map([c = counted(closure_life)](int x) { return x + c.get_value(); });
    CHECK(f.poll(task).is_pending());
    CHECK(child.destroyed == 0);
    CHECK(f.poll(task).get_value() == 1);
    CHECK(child.destroyed == 1);
    CHECK(closure_life.get_alive() == 0);
  }
  CHECK(child.destroyed == 1);
  CHECK(child.polls == 2);
}

TEST_CASE("a pipe closure can be reused from an lvalue", "[combinators][map]") {
  counting_task task;
  const auto twice = gentask::map([](int x) { return 2 * x; });
  auto a = ready(1) | twice;
  auto b = ready(4) | twice;
  CHECK(a.poll(task).get_value() == 2);
  CHECK(b.poll(task).get_value() == 8);
}
