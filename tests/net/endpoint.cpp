// endpoint.hpp: loopback, parsing "a.b.c.d:port", the sockaddr_in round trip, to_string.
#include <gentask/net/endpoint.hpp>

#include <catch2/catch.hpp>

using gentask::net::endpoint;

TEST_CASE("an endpoint parses a.b.c.d:port and refuses anything else", "[net][endpoint]") {
  const auto ep = endpoint::parse("127.0.0.1:8080");
  REQUIRE(ep.has_value());
  REQUIRE(*ep == endpoint::loopback(8080));
  REQUIRE(ep->to_string() == "127.0.0.1:8080");
  REQUIRE(endpoint::parse("10.1.2.3:0")->get_address() == 0x0a010203U);
  REQUIRE(endpoint::parse("255.255.255.255:65535")->get_port() == 65535);
  for (const char* bad : {"127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:8x",
                          "localhost:80", "1.2.3:4", ":80", "127.0.0.1:-1", "127.0.0.1:123456"}) {
    INFO(bad);
    REQUIRE_FALSE(endpoint::parse(bad).has_value());
  }
}

TEST_CASE("an endpoint survives the round trip through sockaddr_in in network byte order",
          "[net][endpoint]") {
  const endpoint ep(0xc0a80101U, 443);
  const sockaddr_in sa = ep.to_sockaddr();
  REQUIRE(sa.sin_family == AF_INET);
  REQUIRE(sa.sin_port == htons(443));
  REQUIRE(sa.sin_addr.s_addr == htonl(0xc0a80101U));
  REQUIRE(endpoint::from_sockaddr(sa) == ep);
  STATIC_REQUIRE(endpoint::loopback().get_port() == 0);
  STATIC_REQUIRE(endpoint::loopback(1).get_address() == 0x7f000001U);
}
