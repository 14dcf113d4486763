#include <gentask/futures/select.hpp>

#include <gentask/core/errors.hpp>
#include <gentask/futures/failed.hpp>
#include <gentask/futures/ready.hpp>

#include "support/counting_task.hpp"
#include "support/leaf_futures.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <string>
#include <type_traits>
#include <variant>

using namespace gentask;
using namespace gentask::test;

TEST_CASE("select completes with the first child to complete, by index", "[combinators][select]") {
  counting_task task;
  auto f = gentask::select(never_ready<int>{}, yield_now(std::string("b")), yield_now(3));
  STATIC_REQUIRE(std::is_same_v<item_type_t<decltype(f)>, std::variant<int, std::string, int>>);
  CHECK(f.poll(task).is_pending());
  auto r = f.poll(task);
  REQUIRE(r.is_ready());
  CHECK(r.get_value().index() == 1);  // biased: the earlier child wins a tie
  CHECK(std::get<1>(r.get_value()) == "b");
  CHECK_THROWS_AS(f.poll(task), polled_after_completion);
}

TEST_CASE("select drops the losers when the winner completes", "[combinators][select]") {
  counting_task task;
  probe_record loser;
  probe_record winner;
  {
    auto f = gentask::select(probe<int>(loser, pending, 100, false),
                             probe<int>(winner, ready_value{5}, 1));
    CHECK(f.poll(task).is_pending());
    CHECK(f.poll(task).is_ready());
    CHECK(loser.destroyed == 1);
    CHECK(winner.destroyed == 1);
  }
  CHECK(loser.destroyed == 1);
  CHECK(winner.destroyed == 1);
}

TEST_CASE("a failing child wins select with its error", "[combinators][select]") {
  counting_task task;
  auto f = gentask::select(never_ready<int, std::string>{}, failed<int>(std::string("x")));
  CHECK(f.poll(task).get_error() == "x");
}

TEST_CASE("select with equal item types keeps which child won", "[combinators][select]") {
  counting_task task;
  auto f = gentask::select(never_ready<int>{}, ready(2));
  auto r = f.poll(task);
  CHECK(r.get_value().index() == 1);
  CHECK(std::get<1>(r.get_value()) == 2);
}

TEST_CASE("a select of one child type says which child won, and drops the others",
          "[combinators][select]") {
  counting_task task;
  std::array<probe_record, 3> records;
  {
    auto f = gentask::select(probe<int>(records[0], pending, 100, false),
                             probe<int>(records[1], ready_value{7}, 2),
                             probe<int>(records[2], ready_value{8}, 1));
    STATIC_REQUIRE(std::is_same_v<item_type_t<decltype(f)>, std::variant<int, int, int>>);
    CHECK(f.poll(task).is_pending());
    auto r = f.poll(task);
    REQUIRE(r.is_ready());
    CHECK(r.get_value().index() == 2);
    CHECK(std::get<2>(r.get_value()) == 8);
    CHECK(records[1].polls == 2);
    for (const auto& record : records) CHECK(record.destroyed == 1);
    CHECK_THROWS_AS(f.poll(task), polled_after_completion);
  }
  for (const auto& record : records) CHECK(record.destroyed == 1);
}

TEST_CASE("a select of one child type is decided by the first child to fail",
          "[combinators][select]") {
  counting_task task;
  std::array<probe_record, 2> records;
  auto f = gentask::select(probe<int, std::string>(records[0], pending, 100, false),
                           probe<int, std::string>(records[1], failed_value{std::string("x")}, 0));
  auto r = f.poll(task);
  REQUIRE(r.is_failed());
  CHECK(r.get_error() == "x");
  CHECK(records[0].destroyed == 1);
}
