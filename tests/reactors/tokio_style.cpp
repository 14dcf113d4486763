// The tokio-style reactor's umbrella gives the library, the reactor and its sockets.
#include <gentask/reactors/tokio_style.hpp>

#include <catch2/catch.hpp>

#include <array>
#include <string_view>

using namespace gentask;

TEST_CASE("reactors/tokio_style.hpp alone gives the library, the reactor and the sockets",
          "[umbrella][tokio_style]") {
  tokio_style::reactor r;
  auto listener = net::tcp_listener::bind(net::endpoint::loopback());
  auto accepted = r.spawn(listener.accept());
  auto connected = r.block_on(net::tcp_stream::connect(listener.get_local_endpoint()));
  REQUIRE(connected.is_ready());
  net::tcp_stream client = std::move(connected).get_value();
  auto server = r.block_on(std::move(accepted));
  REQUIRE(server.is_ready());
  net::tcp_stream s = std::move(server).get_value();
  constexpr std::string_view hello = "hello";
  REQUIRE(r.block_on(client.write_all(std::as_bytes(std::span(hello)))).is_ready());
  std::array<std::byte, 5> buf{};
  REQUIRE(r.block_on(s.read_exact(buf)).is_ready());
  CHECK(std::string_view(reinterpret_cast<const char*>(buf.data()), buf.size()) == hello);
  auto f = lazy([] { return 20; }) | map([](int x) { return x + 1; });
  CHECK(tokio_style::block_on(std::move(f)).get_value() == 21);
  STATIC_REQUIRE(runtime::reactor<tokio_style::reactor>);
}
