#include <gentask/futures/select_all.hpp>

#include <gentask/core/errors.hpp>
#include <gentask/futures/ready.hpp>

#include "support/counting_task.hpp"
#include "support/leaf_futures.hpp"

#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>
#include <vector>

using namespace gentask;
using namespace gentask::test;

TEST_CASE("select_all yields the first child to complete with its index and drops the rest",
          "[combinators][select_all]") {
  counting_task task;
  probe_record record;
  std::vector<probe<int, std::string>> children;
  children.emplace_back(record, ready_value{0}, 3);
  children.emplace_back(record, ready_value{1}, 1);
  children.emplace_back(record, ready_value{2}, 1);
  auto f = select_all(std::move(children));
  STATIC_REQUIRE(std::is_same_v<item_type_t<decltype(f)>, std::pair<std::size_t, int>>);
  CHECK(f.poll(task).is_pending());
  auto r = f.poll(task);
  REQUIRE(r.is_ready());
  CHECK(r.get_value() == std::pair<std::size_t, int>{1, 1});  // biased: the first ready wins
  CHECK(record.destroyed == 3);
  CHECK_THROWS_AS(f.poll(task), polled_after_completion);
}

TEST_CASE("select_all fails with the first child to fail", "[combinators][select_all]") {
  counting_task task;
  probe_record record;
  std::vector<probe<int, std::string>> children;
  children.emplace_back(record, ready_value{0}, 3);
  children.emplace_back(record, failed_value{std::string("lost")}, 0);
  auto f = select_all(std::move(children));
  auto r = f.poll(task);
  REQUIRE(r.is_failed());
  CHECK(r.get_error() == "lost");
}

TEST_CASE("select_all refuses an empty range", "[combinators][select_all]") {
  CHECK_THROWS_AS(select_all(std::vector<ready_future<int>>{}), std::invalid_argument);
}

TEST_CASE("select_all above the limit uses the ready queue, never spawning",
          "[combinators][select_all]") {
  counting_task task;
  probe_record record;
  std::vector<probe<int>> children;
  for (int i = 0; i < 50; ++i) children.emplace_back(record, ready_value{i}, i == 33 ? 1 : 100);
  auto f = select_all(std::move(children));
  CHECK(f.poll(task).is_pending());
  CHECK(f.get_strategy() == range_strategy::ready_queue);
  auto r = f.poll(task);  // every child woke itself: all queued again, 33 completes
  REQUIRE(r.is_ready());
  CHECK(r.get_value().first == 33);
  CHECK(record.destroyed == 50);
}
