#include <gentask/futures/join.hpp>

#include <gentask/core/errors.hpp>
#include <gentask/futures/failed.hpp>
#include <gentask/futures/ready.hpp>

#include "support/counting_task.hpp"
#include "support/leaf_futures.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <string>
#include <tuple>
#include <type_traits>

using namespace gentask;
using namespace gentask::test;

TEST_CASE("join collects every item in argument order", "[combinators][join]") {
  counting_task task;
  auto f = join(yield_now(1), ready(std::string("two")), yield_now(3.0));
  STATIC_REQUIRE(std::is_same_v<item_type_t<decltype(f)>, std::tuple<int, std::string, double>>);
  STATIC_REQUIRE(std::is_same_v<error_type_t<decltype(f)>, never>);
  CHECK(f.poll(task).is_pending());
  auto r = f.poll(task);
  REQUIRE(r.is_ready());
  CHECK(r.get_value() == std::tuple<int, std::string, double>(1, "two", 3.0));
  CHECK_THROWS_AS(f.poll(task), polled_after_completion);
}

TEST_CASE("join destroys each child as soon as it completes, and polls it no more",
          "[combinators][join]") {
  counting_task task;
  probe_record fast;
  probe_record slow;
  auto f = join(probe<int>(fast, ready_value{1}, 0), probe<int>(slow, ready_value{2}, 2));
  CHECK(f.poll(task).is_pending());
  CHECK(fast.destroyed == 1);  // pruned at once; its value is kept inline
  CHECK(slow.destroyed == 0);
  CHECK(f.poll(task).is_pending());
  CHECK(f.poll(task).is_ready());
  CHECK(fast.polls == 1);
  CHECK(slow.polls == 3);
  CHECK(slow.destroyed == 1);
}

TEST_CASE("join fails with the first error and drops the other children at once",
          "[combinators][join]") {
  counting_task task;
  probe_record before;
  probe_record failing;
  probe_record after;
  auto f =
      join(probe<int, int>(before, pending, 5, false), probe<int, int>(failing, failed_value{7}, 1),
           probe<int, int>(after, pending, 5, false));
  CHECK(f.poll(task).is_pending());
  auto r = f.poll(task);
  REQUIRE(r.is_failed());
  CHECK(r.get_error() == 7);
  CHECK(before.destroyed == 1);
  CHECK(failing.destroyed == 1);
  CHECK(after.destroyed == 1);
  CHECK(after.polls == 1);  // the short-circuit stops polling at the failing child
  CHECK_THROWS_AS(f.poll(task), polled_after_completion);
}

TEST_CASE("join unifies never with its children's error", "[combinators][join]") {
  auto f = join(ready(1), failed<int>(std::string("e")));
  STATIC_REQUIRE(std::is_same_v<error_type_t<decltype(f)>, std::string>);
  counting_task task;
  CHECK(f.poll(task).get_error() == "e");
}

TEST_CASE("a join of one child type polls each child in argument order until it completes",
          "[combinators][join]") {
  counting_task task;
  probe_record a;
  probe_record b;
  probe_record c;
  auto f = join(probe<int>(a, ready_value{1}, 2), probe<int>(b, ready_value{2}, 0),
                probe<int>(c, ready_value{3}, 1));
  STATIC_REQUIRE(std::is_same_v<item_type_t<decltype(f)>, std::tuple<int, int, int>>);
  CHECK(f.poll(task).is_pending());
  CHECK(b.destroyed == 1);  // ready at once: pruned, its value kept
  CHECK(f.poll(task).is_pending());
  CHECK(c.destroyed == 1);
  CHECK(a.destroyed == 0);
  auto r = f.poll(task);
  REQUIRE(r.is_ready());
  CHECK(r.get_value() == std::tuple<int, int, int>(1, 2, 3));
  CHECK(a.polls == 3);
  CHECK(b.polls == 1);
  CHECK(c.polls == 2);
  CHECK(a.destroyed == 1);
  CHECK_THROWS_AS(f.poll(task), polled_after_completion);
}

TEST_CASE("a join of one child type fails with the first error, in argument order",
          "[combinators][join]") {
  counting_task task;
  std::array<probe_record, 4> records;
  auto f = join(probe<int, int>(records[0], pending, 5, false),
                probe<int, int>(records[1], failed_value{1}, 0),
                probe<int, int>(records[2], failed_value{2}, 0),
                probe<int, int>(records[3], ready_value{3}, 0));
  auto r = f.poll(task);
  REQUIRE(r.is_failed());
  CHECK(r.get_error() == 1);
  CHECK(records[2].polls == 0);  // not polled after the first failure
  CHECK(records[3].polls == 0);
  for (const auto& record : records) CHECK(record.destroyed == 1);
}
