// errors.hpp: polled_after_completion (an exception, a std::logic_error carrying its message)
// and canceled (an error value).
#include <gentask/core/errors.hpp>

#include <gentask/futures/failed.hpp>
#include <gentask/futures/fuse.hpp>
#include <gentask/futures/ready.hpp>

#include "support/noop_task.hpp"

#include <catch2/catch.hpp>

#include <exception>
#include <stdexcept>
#include <string>
#include <type_traits>

using namespace gentask;

TEST_CASE("polled_after_completion is a logic_error that carries its message", "[core][errors]") {
  STATIC_REQUIRE(std::is_base_of_v<std::logic_error, polled_after_completion>);
  STATIC_REQUIRE(std::is_base_of_v<std::exception, polled_after_completion>);
  STATIC_REQUIRE(!std::is_base_of_v<std::runtime_error, polled_after_completion>);
  STATIC_REQUIRE(std::is_constructible_v<polled_after_completion, const char*>);
  STATIC_REQUIRE(!std::is_convertible_v<const char*, polled_after_completion>);  // explicit
  STATIC_REQUIRE(!std::is_default_constructible_v<polled_after_completion>);

  const polled_after_completion e("stream: polled after completion");
  CHECK(std::string(e.what()) == "stream: polled after completion");
  const std::logic_error& base = e;
  CHECK(std::string(base.what()) == "stream: polled after completion");
}

TEST_CASE("throw_polled_after_completion throws polled_after_completion with the message",
          "[core][errors]") {
  CHECK_THROWS_AS(detail::throw_polled_after_completion("x: polled after completion"),
                  polled_after_completion);
  CHECK_THROWS_WITH(detail::throw_polled_after_completion("x: polled after completion"),
                    "x: polled after completion");
  CHECK_THROWS_AS(detail::throw_polled_after_completion("as a base"), std::logic_error);
}

TEST_CASE("gentask's futures throw polled_after_completion when polled again", "[core][errors]") {
  test::noop_task task;
  auto r = ready(1);
  CHECK(r.poll(task).is_ready());
  CHECK_THROWS_AS(r.poll(task), polled_after_completion);
  auto f = failed(2);
  CHECK(f.poll(task).is_failed());
  CHECK_THROWS_WITH(f.poll(task), "failed: polled after completion");
  // fuse turns the misuse into pending for ever instead.
  auto fused = fuse(ready(3));
  CHECK(fused.poll(task).is_ready());
  CHECK_NOTHROW(fused.poll(task));
  CHECK(fused.poll(task).is_pending());
}

TEST_CASE("canceled is a plain error value: empty, trivially copyable, all equal",
          "[core][errors]") {
  STATIC_REQUIRE(std::is_empty_v<canceled>);
  STATIC_REQUIRE(std::is_trivially_copyable_v<canceled>);
  STATIC_REQUIRE(std::is_nothrow_default_constructible_v<canceled>);
  STATIC_REQUIRE(!std::is_base_of_v<std::exception, canceled>);  // a value, not an exception
  STATIC_REQUIRE(canceled{} == canceled{});
  STATIC_REQUIRE(!(canceled{} != canceled{}));
  STATIC_REQUIRE(noexcept(canceled{} == canceled{}));
}
