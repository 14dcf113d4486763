// Review cases for the sockets (io_source, tcp_stream, tcp_listener): each one failed before the
// fix its commit names. Loopback only; every case is bounded.
#include <gentask/futures/poll_fn.hpp>
#include <gentask/net/tcp_listener.hpp>
#include <gentask/net/tcp_stream.hpp>
#include <gentask/reactors/tokio_style/reactor.hpp>

#include "support/net_test.hpp"

#include <catch2/catch.hpp>

#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <system_error>
#include <vector>

using namespace gentask;

#define REVIEW_REACTORS tokio_style::reactor, tokio_style::two_trip_reactor

namespace {

/// A connected pair: `server` accepted on `r`, `peer` a plain blocking descriptor of the other
/// end (5-second timeouts).
template <class R>
struct review_pair {
  net::tcp_listener listener = net::tcp_listener::bind(net::endpoint::loopback());
  int peer = test::blocking_connect(listener.get_local_endpoint());
  net::tcp_stream server;
  explicit review_pair(R& r) {
    auto a = r.block_on(listener.accept());
    REQUIRE(a.is_ready());
    server = std::move(a).get_value();
  }
  ~review_pair() {
    if (peer >= 0) ::close(peer);
  }
  review_pair(const review_pair&) = delete;
  review_pair& operator=(const review_pair&) = delete;
};

/// How many pages of [begin, end) are resident (touched), by mincore.
std::size_t resident_pages(const std::byte* begin, const std::byte* end) {
  const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  const std::uintptr_t first = (reinterpret_cast<std::uintptr_t>(begin) + page - 1) / page * page;
  const std::uintptr_t last = reinterpret_cast<std::uintptr_t>(end) / page * page;
  if (last <= first) return 0;
  std::vector<unsigned char> in_core((last - first) / page);
  REQUIRE(::mincore(reinterpret_cast<void*>(first), last - first, in_core.data()) == 0);
  std::size_t n = 0;
  for (const unsigned char c : in_core) n += c & 1U;
  return n;
}

}  // namespace

TEMPLATE_TEST_CASE("read_to_end into a vector with a large spare capacity does not fill it all "
                   "for a few bytes",
                   "[net][tcp_stream][review]", REVIEW_REACTORS) {
  // Each poll resized the vector to its whole capacity (value-initializing, so writing zeros
  // over every spare byte) before a read that got a few bytes: a trickling peer made the
  // reader zero-fill the spare capacity once per read (quadratic in the stream's length).
  TestType r;
  review_pair<TestType> p(r);
  constexpr std::size_t reserved = std::size_t{64} << 20;  // 64 MiB: its own mapping, untouched
  std::vector<std::byte> out;
  out.reserve(reserved);
  test::blocking_write(p.peer, "hello");
  REQUIRE(::shutdown(p.peer, SHUT_WR) == 0);
  auto result = r.block_on(p.server.read_to_end(out));
  REQUIRE(result.is_ready());
  REQUIRE(result.get_value() == 5);
  REQUIRE(test::string_of(out) == "hello");
  // The spare capacity past the first megabyte was never written.
  const std::byte* base = out.data();
  CHECK(resident_pages(base + (std::size_t{1} << 20), base + reserved) == 0);
}
