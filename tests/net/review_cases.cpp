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
#include <cerrno>
#include <optional>
#include <type_traits>
#include <cstdint>
#include <new>
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

namespace {

/// An io_driver that refuses its first registration (as the kernel may, ENOMEM; or the driver's
/// table cannot grow, std::bad_alloc), then forwards to a real one.
struct flaky_driver {
  tokio_style::epoll_driver* inner;
  int refusals_left = 1;
  bool out_of_memory = false;  // refuses with std::bad_alloc (the slot table could not grow)
  io_registration register_io(int fd) {
    if (refusals_left > 0) {
      --refusals_left;
      if (out_of_memory) throw std::bad_alloc();
      throw std::system_error(ENOMEM, std::generic_category(), "register_io (refused once)");
    }
    return inner->register_io(fd);
  }
  io_readiness poll_ready(const io_registration& r, io_interest i, const waker& w) {
    return inner->poll_ready(r, i, w);
  }
  void clear_ready(const io_registration& r, io_readiness ready) { inner->clear_ready(r, ready); }
};

/// A reactor's task, seen through a flaky driver.
template <class Task>
struct flaky_task {
  Task* inner;
  flaky_driver* driver;
  [[nodiscard]] waker get_waker() const { return inner->get_waker(); }
  [[nodiscard]] flaky_driver& get_io_driver() const { return *driver; }
};

}  // namespace

TEST_CASE("connect does not report a connection still in progress as made, whatever set its "
          "writable readiness",
          "[net][tcp_stream][review]") {
  // A listener whose accept queue is full drops the SYN: the connect stays in progress (the
  // client retransmits a second later). Its first registration is refused, so the readiness
  // the future cleared on its first poll was never there; the registration made by the next
  // poll starts optimistically writable, and SO_ERROR reads 0 while the handshake is pending.
  tokio_style::reactor r;
  auto listener = net::tcp_listener::bind(net::endpoint::loopback(), 0);
  const int queued = test::blocking_connect(listener.get_local_endpoint());  // fills the queue
  flaky_driver driver{&r.get_io_driver()};
  auto connecting = net::tcp_stream::connect(listener.get_local_endpoint());
  std::optional<net::tcp_stream> made;
  auto result = r.block_on(poll_fn<int, std::error_code>(
      [&](auto& task) -> poll_result<int, std::error_code> {
        flaky_task<std::remove_reference_t<decltype(task)>> flaky{&task, &driver};
        auto c = connecting.poll(flaky);
        if (c.is_failed()) return failed_value{c.get_error()};
        if (c.is_ready()) made.emplace(std::move(c).get_value());
        return ready_value{0};
      }));
  REQUIRE(result.is_ready());
  REQUIRE(driver.refusals_left == 0);  // the refusal happened
  if (made) {
    // Handed out as connected: it must have a peer.
    CHECK(made->get_peer_endpoint().has_value());
  } else {
    SUCCEED("still in progress, as it is");
  }
  ::close(queued);
}

TEMPLATE_TEST_CASE("read_to_end that throws leaves in the vector only the bytes it read",
                   "[net][tcp_stream][review]", REVIEW_REACTORS) {
  // The vector is grown before the read and shrunk to what came after it; an exception from
  // the readiness loop between the two (the registration cannot be allocated) left the grown
  // bytes in it, zeros never read, which the next poll then kept as data.
  TestType r;
  review_pair<TestType> p(r);
  test::blocking_write(p.peer, "hello");
  REQUIRE(::shutdown(p.peer, SHUT_WR) == 0);
  flaky_driver driver{&r.get_io_driver()};
  driver.out_of_memory = true;
  std::vector<std::byte> out;
  auto to_end = p.server.read_to_end(out);
  bool threw = false;
  auto result = r.block_on(poll_fn<std::size_t, std::error_code>(
      [&](auto& task) -> poll_result<std::size_t, std::error_code> {
        flaky_task<std::remove_reference_t<decltype(task)>> flaky{&task, &driver};
        if (!threw) {
          try {
            (void)to_end.poll(flaky);
          } catch (const std::bad_alloc&) {
            threw = true;
          }
          REQUIRE(threw);
          REQUIRE(out.empty());  // nothing was read
        }
        return to_end.poll(flaky);  // the registration succeeds now
      }));
  REQUIRE(result.is_ready());
  REQUIRE(result.get_value() == 5);
  REQUIRE(test::string_of(out) == "hello");
}

TEST_CASE("bind on a taken port throws the bind's own error code", "[net][tcp_listener][review]") {
  // The errno was read after the message ("bind " + the endpoint) was built, which allocates:
  // with GCC the message is built first, so an allocation that set errno would have replaced
  // the bind's error. (Latent with glibc's malloc, which leaves errno alone when it succeeds.)
  auto l = net::tcp_listener::bind(net::endpoint::loopback());
  try {
    (void)net::tcp_listener::bind(l.get_local_endpoint());
    FAIL("a second listener on the same port");
  } catch (const std::system_error& e) {
    CHECK(e.code() == std::errc::address_in_use);
  }
}
