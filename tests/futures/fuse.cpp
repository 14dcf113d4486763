#include <gentask/futures/fuse.hpp>

#include <gentask/futures/ready.hpp>

#include "support/counting_task.hpp"
#include "support/leaf_futures.hpp"

#include <catch2/catch.hpp>

using namespace gentask;
using namespace gentask::test;

TEST_CASE("fuse returns pending forever after completion instead of throwing",
          "[combinators][fuse]") {
  counting_task task;
  probe_record inner;
  auto f = probe<int>(inner, ready_value{1}, 1) | fuse();
  CHECK_FALSE(f.is_terminated());
  CHECK(f.poll(task).is_pending());
  CHECK(f.poll(task).get_value() == 1);
  CHECK(f.is_terminated());
  CHECK(inner.destroyed == 1);
  const auto wakes = task.get_wake_count();
  CHECK(f.poll(task).is_pending());
  CHECK(f.poll(task).is_pending());
  CHECK(task.get_wake_count() == wakes);  // arranges no wake
  CHECK(inner.polls == 2);
}
