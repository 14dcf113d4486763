// tcp_listener.hpp: bind, accept, the incoming stream (1000 concurrent loopback connections,
// each echoed by a task of its own) and its backoff when the process is out of descriptors
// (EMFILE with RLIMIT_NOFILE lowered: no busy loop, the connection stays queued, and the stream
// goes on once a descriptor is free). Loopback only, bounded.
#include <gentask/core/task_archetypes.hpp>
#include <gentask/futures/poll_fn.hpp>
#include <gentask/net/tcp_listener.hpp>
#include <gentask/reactors/tokio_style/reactor.hpp>
#include <gentask/spawn/join_handle.hpp>

#include "support/net_tasks.hpp"
#include "support/net_test.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <optional>
#include <string>
#include <vector>

using namespace gentask;

#define REACTORS tokio_style::reactor, tokio_style::two_trip_reactor

TEST_CASE("bind on port 0 listens on a port the kernel chose, and a taken port throws",
          "[net][tcp_listener]") {
  auto l = net::tcp_listener::bind(net::endpoint::loopback());
  const net::endpoint ep = l.get_local_endpoint();
  REQUIRE(ep.get_port() != 0);
  REQUIRE(ep.get_address() == net::endpoint::loopback().get_address());
  REQUIRE_THROWS_AS(net::tcp_listener::bind(ep), std::system_error);  // SO_REUSEADDR: not a
                                                                      // second listener
}

TEMPLATE_TEST_CASE("accept gives the connection a blocking client made", "[net][tcp_listener]",
                   REACTORS) {
  TestType r;
  auto l = net::tcp_listener::bind(net::endpoint::loopback());
  const int client = test::blocking_connect(l.get_local_endpoint());
  auto accepted = r.block_on(l.accept());
  REQUIRE(accepted.is_ready());
  net::tcp_stream s = std::move(accepted).get_value();
  REQUIRE(s.get_peer_endpoint().has_value());
  test::blocking_write(client, "ping");
  std::array<std::byte, 4> buf{};
  REQUIRE(r.block_on(s.read_exact(buf)).is_ready());
  REQUIRE(test::string_of(buf) == "ping");
  ::close(client);
}

namespace {

/// Accepts `n` connections from `incoming`, spawning an echo task for each.
template <class Incoming, class R>
auto accept_and_echo(Incoming& incoming, R& r, std::size_t n, std::size_t& accepted) {
  return poll_fn<std::size_t, std::error_code>(
      [&incoming, &r, n, &accepted](auto& task) -> poll_result<std::size_t, std::error_code> {
        while (accepted < n) {
          auto next = incoming.poll_next(task);
          if (next.is_pending()) return pending;
          if (next.is_failed()) return failed_value{next.get_error()};
          REQUIRE(next.get_value().has_value());
          task.spawn(test::echo_connection(std::move(*std::move(next).get_value()))).detach();
          ++accepted;
        }
        (void)r;
        return ready_value{accepted};
      });
}

std::size_t raise_fd_limit(std::size_t wanted) {
  rlimit lim{};
  ::getrlimit(RLIMIT_NOFILE, &lim);
  if (lim.rlim_cur < wanted) {
    lim.rlim_cur = std::min<rlim_t>(wanted, lim.rlim_max);
    ::setrlimit(RLIMIT_NOFILE, &lim);
  }
  ::getrlimit(RLIMIT_NOFILE, &lim);
  return lim.rlim_cur;
}

}  // namespace

TEMPLATE_TEST_CASE("1000 concurrent loopback connections are each echoed by a task of their own",
                   "[net][tcp_listener]", REACTORS) {
  // Each connection takes two descriptors in this process (its client and its server end).
  const std::size_t limit = raise_fd_limit(2 * 1000 + 64);
  const std::size_t n = std::min<std::size_t>(1000, (limit - 64) / 2);
  if (n < 1000) WARN("RLIMIT_NOFILE allows " << n << " connections only");
  TestType r;
  auto l = net::tcp_listener::bind(net::endpoint::loopback(), 2048);
  auto incoming = l.incoming();
  std::size_t accepted = 0;
  auto server = r.spawn(accept_and_echo(incoming, r, n, accepted));
  std::vector<decltype(r.spawn(test::echo_client(l.get_local_endpoint(), "")))> clients;
  clients.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    clients.push_back(r.spawn(test::echo_client(l.get_local_endpoint(),
                                                "message " + std::to_string(i) + " of 64 bytes" +
                                                    std::string(40, '.'))));
  }
  for (std::size_t i = 0; i < n; ++i) {
    auto got = r.block_on(std::move(clients[i]));
    REQUIRE(got.is_ready());
    REQUIRE(got.get_value().rfind("message " + std::to_string(i) + " ", 0) == 0);
  }
  auto done = r.block_on(std::move(server));
  REQUIRE(done.is_ready());
  REQUIRE(done.get_value() == n);
}

TEMPLATE_TEST_CASE(
    "out of descriptors, the incoming stream backs off on a timer and goes on once one is free",
    "[net][tcp_listener]", REACTORS) {
  using namespace std::chrono_literals;
  TestType r;
  auto l = net::tcp_listener::bind(net::endpoint::loopback());
  auto incoming = l.incoming();
  bool warming = true;
  bool freed = false;
  bool pending_while_out = true;
  int spare = -1;
  std::optional<test::fd_limit_scope> limited;
  std::optional<sleep_future> wait_a_little;
  std::optional<net::tcp_stream> got;
  // While the limit holds, nothing may need a descriptor of its own, the sanitizers' checks
  // included: UBSan's vptr check opens a pipe the first time it meets a type. So there is no
  // REQUIRE under the limit, and the same body runs once before it, with descriptors to spare.
  auto body = [&](auto& task) -> poll_result<int, std::error_code> {
    if (!freed) {
      // Out of descriptors, accept fails with EMFILE and the stream waits on a timer (in the
      // warm-up nothing is queued, and it waits for a connection).
      auto next = incoming.poll_next(task);
      pending_while_out = pending_while_out && next.is_pending();
      if (!wait_a_little) wait_a_little.emplace(sleep_for(warming ? 1ms : 40ms));
      if (wait_a_little->poll(task).is_pending()) return pending;
      wait_a_little.reset();
      if (warming) return ready_value{0};
      ::close(spare);   // a descriptor free below the limit...
      limited.reset();  // ...and the limit lifted, so the checks have descriptors too
      freed = true;
    }
    auto next = incoming.poll_next(task);
    if (next.is_pending()) return pending;
    if (next.is_failed()) return failed_value{next.get_error()};
    got.emplace(std::move(*std::move(next).get_value()));
    return ready_value{0};
  };
  REQUIRE(r.block_on(poll_fn<int, std::error_code>(body)).is_ready());
  REQUIRE(pending_while_out);
  REQUIRE(incoming.get_backoff_count() == 0);
  warming = false;

  const int client = test::blocking_connect(l.get_local_endpoint());  // queued in the backlog
  spare = ::open("/dev/null", O_RDONLY | O_CLOEXEC);                  // what will be freed
  REQUIRE(spare >= 0);
  // The lowest free descriptor number becomes the limit: no new descriptor can be made.
  const int probe = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  REQUIRE(probe >= 0);
  ::close(probe);
  limited.emplace(static_cast<rlim_t>(probe));
  auto result = r.block_on(poll_fn<int, std::error_code>(body));
  limited.reset();
  REQUIRE(pending_while_out);
  REQUIRE(result.is_ready());
  REQUIRE(got->is_open());
  // It backed off instead of spinning: a few timer rounds (1, 2, 4, ... ms) in 40 ms.
  REQUIRE(incoming.get_backoff_count() >= 1);
  REQUIRE(incoming.get_backoff_count() <= 12);
  test::blocking_write(client, "ok");
  std::array<std::byte, 2> buf{};
  REQUIRE(r.block_on(got->read_exact(buf)).is_ready());
  ::close(client);
}

TEST_CASE("the incoming stream needs an io_task that is a timer_task too", "[net][tcp_listener]") {
  STATIC_REQUIRE(pollable_stream<net::incoming_stream, tokio_style::reactor::task_type>);
  STATIC_REQUIRE(!pollable_stream<net::incoming_stream, archetypes::io_task>);
  STATIC_REQUIRE(!pollable_stream<net::incoming_stream, archetypes::timer_task>);
  STATIC_REQUIRE(pollable<net::accept_future, archetypes::io_task>);
}
