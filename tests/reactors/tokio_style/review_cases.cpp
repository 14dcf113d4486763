// Review cases for the tokio-style reactor's loop and driver: each one failed before the fix its
// commit names. Loopback and socket pairs only; every case is bounded.
#include <gentask/futures/poll_fn.hpp>
#include <gentask/net/tcp_listener.hpp>
#include <gentask/net/tcp_stream.hpp>
#include <gentask/reactors/tokio_style/reactor.hpp>

#include "support/net_test.hpp"

#include <catch2/catch.hpp>

#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <system_error>

using namespace gentask;

namespace {

/// A connected pair: `server` accepted on `r`, `peer` a plain descriptor of the other end.
template <class R>
struct review_socket_pair {
  net::tcp_listener listener = net::tcp_listener::bind(net::endpoint::loopback());
  int peer = test::blocking_connect(listener.get_local_endpoint());
  net::tcp_stream server;
  explicit review_socket_pair(R& r) {
    auto a = r.block_on(listener.accept());
    REQUIRE(a.is_ready());
    server = std::move(a).get_value();
  }
  ~review_socket_pair() { ::close(peer); }
  review_socket_pair(const review_socket_pair&) = delete;
  review_socket_pair& operator=(const review_socket_pair&) = delete;
};

}  // namespace

TEMPLATE_TEST_CASE("a root that keeps waking itself still sees its socket's readiness",
                   "[tokio_style][reactor][review]", tokio_style::reactor,
                   tokio_style::two_trip_reactor) {
  // The root yields (wakes itself, returns pending) while it waits for a byte: a busy reactor
  // with no spawned task. The event for the byte is only seen by an epoll_wait, which the loop
  // makes every event_interval polls while something is ready; the root's polls count too.
  TestType r;
  review_socket_pair<TestType> p(r);
  std::array<std::byte, 1> buf{};
  auto read = p.server.read(buf);
  int polls = 0;
  auto result = r.block_on(poll_fn<int, std::error_code>(
      [&](auto& task) -> poll_result<int, std::error_code> {
        ++polls;
        auto n = read.poll(task);
        if (n.is_failed()) return failed_value{n.get_error()};
        if (n.is_ready()) return ready_value{polls};
        if (polls == 1) REQUIRE(::send(p.peer, "x", 1, 0) == 1);  // after the read waits
        if (polls > 100000) return failed_value{std::make_error_code(std::errc::timed_out)};
        task.get_waker().wake();  // yield
        return pending;
      }));
  REQUIRE(result.is_ready());
  // Loopback delivers at once; a few event intervals at most.
  REQUIRE(result.get_value() <= 10 * static_cast<int>(TestType::event_interval));
}
