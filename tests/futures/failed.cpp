#include <gentask/futures/failed.hpp>

#include <gentask/core/errors.hpp>

#include "support/counting_task.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace gentask;
using namespace gentask::test;

TEST_CASE("failed fails at the first poll with its error", "[combinators][failed]") {
  counting_task task;
  auto f = failed(std::string("boom"));
  STATIC_REQUIRE(std::is_same_v<item_type_t<decltype(f)>, never>);
  auto r = f.poll(task);
  REQUIRE(r.is_failed());
  CHECK(r.get_error() == "boom");
  CHECK_THROWS_AS(f.poll(task), polled_after_completion);
}

TEST_CASE("failed can name its item type", "[combinators][failed]") {
  counting_task task;
  auto f = failed<int>(7);
  STATIC_REQUIRE(std::is_same_v<item_type_t<decltype(f)>, int>);
  CHECK(f.poll(task).get_error() == 7);
}
