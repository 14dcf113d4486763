// errors.hpp: net::errc as std::error_code values of the "gentask.net" category, and errno as
// generic-category codes that compare equal to std::errc.
#include <gentask/net/errors.hpp>

#include <catch2/catch.hpp>

#include <cerrno>
#include <system_error>

using namespace gentask;

TEST_CASE("net::errc values are error codes of their own category with messages",
          "[net][errors]") {
  const std::error_code eof = net::errc::unexpected_eof;  // implicit: is_error_code_enum
  REQUIRE(eof.category().name() == std::string("gentask.net"));
  REQUIRE(eof == net::errc::unexpected_eof);
  REQUIRE(eof != net::errc::no_reactor);
  REQUIRE_FALSE(eof.message().empty());
  REQUIRE(std::error_code(net::errc::no_reactor).message().find("reactor") != std::string::npos);
  REQUIRE(std::error_code(net::errc::write_zero).message() == "a write of zero bytes");
  REQUIRE(net::net_category().message(999) == "unknown gentask.net error");
  STATIC_REQUIRE(std::is_error_code_enum_v<net::errc>);
}

TEST_CASE("system errors are generic-category codes comparable with std::errc", "[net][errors]") {
  REQUIRE(net::system_error_code(ECONNRESET) == std::errc::connection_reset);
  REQUIRE(net::system_error_code(EPIPE) == std::errc::broken_pipe);
  REQUIRE(net::system_error_code(ECONNREFUSED) == std::errc::connection_refused);
  REQUIRE(net::system_error_code(EPIPE) != net::errc::unexpected_eof);
}
