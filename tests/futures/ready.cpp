#include <gentask/futures/ready.hpp>

#include <gentask/core/errors.hpp>

#include "support/counted.hpp"
#include "support/counting_task.hpp"

#include <catch2/catch.hpp>

#include <memory>
#include <string>

using namespace gentask;
using namespace gentask::test;

TEST_CASE("ready is ready at the first poll and cannot fail", "[combinators][ready]") {
  counting_task task;
  auto f = ready(std::string("hello"));
  STATIC_REQUIRE(std::is_same_v<error_type_t<decltype(f)>, never>);
  auto r = f.poll(task);
  REQUIRE(r.is_ready());
  CHECK(r.get_value() == "hello");
  CHECK(task.get_wake_count() == 0);
}

TEST_CASE("ready() gives unit", "[combinators][ready]") {
  counting_task task;
  auto f = ready();
  STATIC_REQUIRE(std::is_same_v<item_type_t<decltype(f)>, unit>);
  CHECK(f.poll(task).is_ready());
}

TEST_CASE("ready moves a move-only value out once", "[combinators][ready]") {
  counting_task task;
  auto f = ready(std::make_unique<int>(3));
  auto r = f.poll(task);
  CHECK(*r.get_value() == 3);
}

TEST_CASE("polling ready after completion throws and releases nothing twice",
          "[combinators][ready]") {
  counting_task task;
  lifecycle life;
  {
    auto f = ready(counted(life, 1));
    (void)f.poll(task);
    CHECK(life.get_alive() == 0);  // the value left with the result
    CHECK_THROWS_AS(f.poll(task), polled_after_completion);
  }
  CHECK(life.get_alive() == 0);
}
