#include <gentask/spawn/join_error.hpp>

#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>

using gentask::join_error;
using gentask::never;

TEST_CASE("a join error is the task's error, a cancel or an escaped exception",
          "[spawn][join_error]") {
  auto own = join_error<std::string>::from_error("bad");
  CHECK(own.is_error());
  CHECK_FALSE(own.is_canceled());
  CHECK(own.get_error() == "bad");

  auto cancel = join_error<std::string>::from_cancel();
  CHECK(cancel.is_canceled());
  CHECK_NOTHROW(cancel.rethrow_if_exception());

  auto thrown =
      join_error<std::string>::from_exception(std::make_exception_ptr(std::runtime_error("x")));
  CHECK(thrown.is_exception());
  CHECK_THROWS_AS(thrown.rethrow_if_exception(), std::runtime_error);
}

TEST_CASE("a join error of a task that cannot fail widens to any error type",
          "[spawn][join_error]") {
  join_error<std::string> widened(join_error<never>::from_cancel());
  CHECK(widened.is_canceled());
  join_error<std::string> widened_exception(
      join_error<never>::from_exception(std::make_exception_ptr(1)));
  CHECK(widened_exception.is_exception());
}
