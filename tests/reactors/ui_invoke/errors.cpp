// reactors/ui_invoke/errors.hpp: errc::stopped is an error code of its own category, and
// stopped_error carries it.
#include <gentask/reactors/ui_invoke/errors.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <system_error>

using namespace gentask;

TEST_CASE("errc::stopped converts to an error code of the ui_invoke category",
          "[ui_invoke][errors]") {
  STATIC_REQUIRE(std::is_error_code_enum_v<ui_invoke::errc>);
  const std::error_code e = ui_invoke::errc::stopped;
  CHECK(e);
  CHECK(e == ui_invoke::errc::stopped);
  CHECK(std::string(e.category().name()) == "gentask.ui_invoke");
  CHECK(e.message() == "the UI reactor has stopped");
  CHECK(e != std::errc::operation_canceled);
}

TEST_CASE("stopped_error is a system_error holding errc::stopped", "[ui_invoke][errors]") {
  try {
    throw ui_invoke::stopped_error("ui_invoke::invoke");
  } catch (const std::system_error& e) {
    CHECK(e.code() == ui_invoke::errc::stopped);
    CHECK(std::string(e.what()).find("ui_invoke::invoke") != std::string::npos);
  }
}
