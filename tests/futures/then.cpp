#include <gentask/futures/then.hpp>

#include <gentask/futures/failed.hpp>
#include <gentask/futures/ready.hpp>

#include "support/counting_task.hpp"
#include "support/leaf_futures.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <type_traits>

using namespace gentask;
using namespace gentask::test;

TEST_CASE("then sees a value and continues", "[combinators][then]") {
  counting_task task;
  auto f = yield_now(3) | then([](poll_result<int, never> r) {
             REQUIRE(r.is_ready());
             return ready(r.get_value() + 1);
           });
  CHECK(f.poll(task).is_pending());
  CHECK(f.poll(task).get_value() == 4);
}

TEST_CASE("then sees an error and can turn it into a value", "[combinators][then]") {
  counting_task task;
  auto f = failed<int>(std::string("bad")) | then([](poll_result<int, std::string> r) {
             REQUIRE(r.is_failed());
             return ready(static_cast<long>(r.get_error().size()));
           });
  STATIC_REQUIRE(std::is_same_v<item_type_t<decltype(f)>, long>);
  STATIC_REQUIRE(std::is_same_v<error_type_t<decltype(f)>, never>);
  CHECK(f.poll(task).get_value() == 3);
}
