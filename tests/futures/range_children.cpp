#include <gentask/futures/range_children.hpp>

#include "support/counting_task.hpp"
#include "support/leaf_futures.hpp"

#include <catch2/catch.hpp>

#include <optional>
#include <vector>

using namespace gentask;
using namespace gentask::test;

TEST_CASE("range_children chooses its strategy at the first poll by size and task",
          "[combinators][range_children]") {
  using children = range_children<yield_now<int>, 0, range_strategy::automatic, int>;
  counting_task task;
  auto keep = [](std::size_t, poll_result<int, never> r) -> std::optional<int> {
    return r.get_value();
  };
  children small(
      detail::make_slots<children::slots_type>(std::vector<yield_now<int>>(3, yield_now(1))));
  CHECK(small.get_strategy() == range_strategy::automatic);
  CHECK(small.poll(task, keep));
  CHECK(small.get_strategy() == range_strategy::poll_all);
  children large(detail::make_slots<children::slots_type>(
      std::vector<yield_now<int>>(poll_all_limit + 1, yield_now(1))));
  CHECK(large.poll(task, keep));
  CHECK(large.get_strategy() == range_strategy::ready_queue);
  CHECK(large.get_pending_count() == poll_all_limit + 1);  // each yielded once
  CHECK(large.poll(task, keep));
  CHECK(large.get_pending_count() == 0);
}

TEST_CASE("range_children stops and drops every child when told to",
          "[combinators][range_children]") {
  using children = range_children<probe<int>, 0, range_strategy::poll_all, int>;
  counting_task task;
  probe_record record;
  std::vector<probe<int>> v;
  for (int i = 0; i < 4; ++i) v.emplace_back(record, ready_value{i}, i == 1 ? 0 : 5);
  children set(detail::make_slots<children::slots_type>(std::move(v)));
  const bool running =
      set.poll(task, [](std::size_t i, poll_result<int, never>) -> std::optional<int> {
        if (i == 1) return std::nullopt;
        return 0;
      });
  CHECK_FALSE(running);
  CHECK(record.destroyed == 4);
  CHECK(set.get_pending_count() == 0);
}
