#include <gentask/futures/boxed.hpp>

#include <gentask/core/errors.hpp>
#include <gentask/futures/and_then.hpp>
#include <gentask/futures/failed.hpp>
#include <gentask/futures/ready.hpp>

#include "support/alloc_counter.hpp"
#include "support/counting_task.hpp"
#include "support/leaf_futures.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace gentask;
using namespace gentask::test;

using box_t = boxed<counting_task, int, std::string>;

TEST_CASE("boxed erases the future type behind one allocation", "[combinators][boxed]") {
  counting_task task;
  std::vector<box_t> futures;
  futures.reserve(3);
  {
    allocation_counter allocs;
    futures.emplace_back(ready(1));  // never converts to std::string
    CHECK(allocs.get_count() == 1);
  }
  futures.emplace_back(yield_now(2) | and_then([](int x) { return ready(x * 10); }));
  futures.emplace_back(failed<int>(std::string("e")));
  CHECK(futures[0].poll(task).get_value() == 1);
  CHECK(futures[1].poll(task).is_pending());
  CHECK(futures[1].poll(task).get_value() == 20);
  CHECK(futures[2].poll(task).get_error() == "e");
}

TEST_CASE("boxed destroys the inner future at completion and rejects further polls",
          "[combinators][boxed]") {
  counting_task task;
  probe_record inner;
  box_t b = probe<int, std::string>(inner, ready_value{1});
  CHECK(b.poll(task).is_ready());
  CHECK(inner.destroyed == 1);
  CHECK_THROWS_AS(b.poll(task), polled_after_completion);
  box_t moved_to = std::move(b);
  CHECK_THROWS_AS(moved_to.poll(task), polled_after_completion);
}

TEST_CASE("box deduces the item and error types", "[combinators][boxed]") {
  auto b = box<counting_task>(failed<long>(1.5));
  STATIC_REQUIRE(std::is_same_v<decltype(b), boxed<counting_task, long, double>>);
}
