// tcp_stream.hpp: connect, read, write, write_all, read_exact, read_to_end, shutdown and split
// on the tokio-style reactor, in both dispatch modes; the errors as values (ECONNRESET, EPIPE
// without SIGPIPE, ECONNREFUSED, end of stream, half-close, a stream closed under a waiting
// task). Loopback only; every case is bounded (ctest TIMEOUT, 5-second socket timeouts).
#include <gentask/futures/poll_fn.hpp>
#include <gentask/net/tcp_listener.hpp>
#include <gentask/net/tcp_stream.hpp>
#include <gentask/core/task_archetypes.hpp>
#include <gentask/reactors/tokio_style/reactor.hpp>

#include "support/net_tasks.hpp"
#include "support/net_test.hpp"

#include <catch2/catch.hpp>

#include <cerrno>
#include <optional>
#include <string>
#include <vector>

using namespace gentask;
using tokio_style::dispatch;

namespace {

template <class R>
struct connected_pair {
  net::tcp_listener listener = net::tcp_listener::bind(net::endpoint::loopback());
  net::tcp_stream server;
  net::tcp_stream client;

  /// Connects a client to the listener and accepts it, on `r`.
  explicit connected_pair(R& r) {
    std::optional<net::connect_future> c(net::tcp_stream::connect(listener.get_local_endpoint()));
    std::optional<net::accept_future> a(listener.accept());
    bool have_client = false;
    bool have_server = false;
    auto root = poll_fn<int, std::error_code>([&](auto& task) -> poll_result<int, std::error_code> {
      if (!have_client) {
        auto cr = c->poll(task);
        if (cr.is_failed()) return failed_value{cr.get_error()};
        if (cr.is_ready()) {
          client = std::move(cr).get_value();
          have_client = true;
        }
      }
      if (!have_server) {
        auto ar = a->poll(task);
        if (ar.is_failed()) return failed_value{ar.get_error()};
        if (ar.is_ready()) {
          server = std::move(ar).get_value();
          have_server = true;
        }
      }
      if (have_client && have_server) return ready_value{0};
      return pending;
    });
    auto result = r.block_on(std::move(root));
    REQUIRE(result.is_ready());
  }
};

/// Polls `f` to completion on `r` and returns its result.
template <class R, class F>
auto run(R& r, F f) {
  return r.block_on(std::move(f));
}

std::string pattern(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + i % 23);
  return s;
}

}  // namespace

#define REACTORS tokio_style::reactor, tokio_style::two_trip_reactor

TEMPLATE_TEST_CASE("a connected stream carries a megabyte each way through full buffers",
                   "[net][tcp_stream]", REACTORS) {
  TestType r;
  connected_pair<TestType> p(r);
  const std::string out = pattern(1 << 20);
  std::string in(out.size(), '\0');
  // The client writes a megabyte while the server reads it: the socket buffers fill, so the
  // writer meets EAGAIN and must be woken by the reader's progress.
  auto writer = p.client.write_all(test::bytes_of(out));
  auto reader = p.server.read_exact(std::as_writable_bytes(std::span(in)));
  bool wrote = false;
  auto result = run(r, poll_fn<int, std::error_code>([&](auto& task) -> poll_result<int, std::error_code> {
    if (!wrote) {
      auto w = writer.poll(task);
      if (w.is_failed()) return failed_value{w.get_error()};
      wrote = w.is_ready();
    }
    auto rd = reader.poll(task);
    if (rd.is_failed()) return failed_value{rd.get_error()};
    if (rd.is_pending() || !wrote) return pending;
    return ready_value{0};
  }));
  REQUIRE(result.is_ready());
  REQUIRE(in == out);
  REQUIRE(r.get_io_driver().get_wait_count() > 0);  // it did wait for readiness
}

TEMPLATE_TEST_CASE("read gives 0 at the end of the stream and read_to_end collects until then",
                   "[net][tcp_stream]", REACTORS) {
  TestType r;
  connected_pair<TestType> p(r);
  const std::string out = pattern(100000);
  std::vector<std::byte> collected;
  auto to_end = p.server.read_to_end(collected);
  auto writer = p.client.write_all(test::bytes_of(out));
  bool closed = false;
  auto result = run(r, poll_fn<std::size_t, std::error_code>(
                           [&](auto& task) -> poll_result<std::size_t, std::error_code> {
    if (!closed) {
      auto w = writer.poll(task);
      if (w.is_failed()) return failed_value{w.get_error()};
      if (w.is_ready()) {
        REQUIRE_FALSE(p.client.shutdown(net::shutdown_how::write));  // half-close
        closed = true;
      }
    }
    return to_end.poll(task);
  }));
  REQUIRE(result.is_ready());
  REQUIRE(result.get_value() == out.size());
  REQUIRE(test::string_of(collected) == out);
  std::array<std::byte, 8> more{};
  auto again = run(r, p.server.read(more));
  REQUIRE(again.is_ready());
  REQUIRE(again.get_value() == 0);  // still the end
}

TEMPLATE_TEST_CASE("after the peer half-closes, the other direction still carries data",
                   "[net][tcp_stream]", REACTORS) {
  TestType r;
  connected_pair<TestType> p(r);
  REQUIRE_FALSE(p.client.shutdown(net::shutdown_how::write));
  std::array<std::byte, 4> buf{};
  auto eof = run(r, p.server.read(buf));
  REQUIRE(eof.is_ready());
  REQUIRE(eof.get_value() == 0);
  const std::string reply = "still open";
  REQUIRE(run(r, p.server.write_all(test::bytes_of(reply))).is_ready());
  std::string got(reply.size(), '\0');
  REQUIRE(run(r, p.client.read_exact(std::as_writable_bytes(std::span(got)))).is_ready());
  REQUIRE(got == reply);
}

TEMPLATE_TEST_CASE("read_exact fails with unexpected_eof when the stream ends first",
                   "[net][tcp_stream]", REACTORS) {
  TestType r;
  connected_pair<TestType> p(r);
  REQUIRE(run(r, p.client.write_all(test::bytes_of(std::string("abc")))).is_ready());
  REQUIRE_FALSE(p.client.shutdown(net::shutdown_how::write));
  std::array<std::byte, 10> buf{};
  auto result = run(r, p.server.read_exact(buf));
  REQUIRE(result.is_failed());
  REQUIRE(result.get_error() == net::errc::unexpected_eof);
}

TEMPLATE_TEST_CASE("a reset connection is ECONNRESET as a value", "[net][tcp_stream]", REACTORS) {
  TestType r;
  auto listener = net::tcp_listener::bind(net::endpoint::loopback());
  const int peer = test::blocking_connect(listener.get_local_endpoint());
  auto accepted = run(r, listener.accept());
  REQUIRE(accepted.is_ready());
  net::tcp_stream s = std::move(accepted).get_value();
  test::close_with_reset(peer);  // SO_LINGER 0: RST
  std::array<std::byte, 16> buf{};
  auto result = run(r, s.read(buf));
  REQUIRE(result.is_failed());
  REQUIRE(result.get_error() == std::errc::connection_reset);
}

TEMPLATE_TEST_CASE("writing to a closed peer is EPIPE or ECONNRESET as a value, never SIGPIPE",
                   "[net][tcp_stream]", REACTORS) {
  TestType r;
  auto listener = net::tcp_listener::bind(net::endpoint::loopback());
  const int peer = test::blocking_connect(listener.get_local_endpoint());
  auto accepted = run(r, listener.accept());
  REQUIRE(accepted.is_ready());
  net::tcp_stream s = std::move(accepted).get_value();
  ::close(peer);
  const std::string chunk = pattern(65536);
  std::error_code error;
  for (int i = 0; i < 100 && !error; ++i) {  // the first writes may still be accepted
    auto w = run(r, s.write_all(test::bytes_of(chunk)));
    if (w.is_failed()) error = w.get_error();
  }
  REQUIRE(error);
  const bool expected = error == std::errc::broken_pipe || error == std::errc::connection_reset;
  REQUIRE(expected);
}

TEMPLATE_TEST_CASE("connecting to a port nobody listens on is ECONNREFUSED", "[net][tcp_stream]",
                   REACTORS) {
  TestType r;
  net::endpoint closed_port;
  {
    auto l = net::tcp_listener::bind(net::endpoint::loopback());
    closed_port = l.get_local_endpoint();
  }  // closed: nothing listens there now
  auto result = run(r, net::tcp_stream::connect(closed_port));
  REQUIRE(result.is_failed());
  REQUIRE(result.get_error() == std::errc::connection_refused);
}

TEMPLATE_TEST_CASE("a stream closed while a task waits on it wakes the task, which fails with EBADF",
                   "[net][tcp_stream]", REACTORS) {
  TestType r;
  connected_pair<TestType> p(r);
  std::array<std::byte, 8> buf{};
  auto read = p.server.read(buf);
  int polls = 0;
  auto waiting = r.spawn(poll_fn<std::size_t, std::error_code>(
      [&](auto& task) -> poll_result<std::size_t, std::error_code> {
        ++polls;
        return read.poll(task);
      }));
  r.run_until_idle();
  REQUIRE(polls == 1);  // waiting for data that never comes
  REQUIRE(r.get_io_driver().get_waiter_count() == 1);
  p.server.close();
  r.run_until_idle();
  REQUIRE(polls == 2);  // woken by the close
  auto result = run(r, std::move(waiting));
  REQUIRE(result.is_failed());
  REQUIRE(result.get_error().is_error());
  REQUIRE(result.get_error().get_error() == std::errc::bad_file_descriptor);
  REQUIRE(r.get_io_driver().get_waiter_count() == 0);
}

TEMPLATE_TEST_CASE("split halves read and write at once in two tasks",
                   "[net][tcp_stream]", REACTORS) {
  TestType r;
  connected_pair<TestType> p(r);
  // Both ends send a megabyte before reading: without a reader and a writer waiting at once on
  // each registration, the buffers fill and nothing moves.
  const std::string out = pattern(1 << 20);
  std::string in_client(out.size(), '\0');
  std::string in_server(out.size(), '\0');
  auto [cr, cw] = p.client.split();
  auto [sr, sw] = p.server.split();
  auto h1 = r.spawn(cw.write_all(test::bytes_of(out)));
  auto h2 = r.spawn(sw.write_all(test::bytes_of(out)));
  auto h3 = r.spawn(cr.read_exact(std::as_writable_bytes(std::span(in_client))));
  auto h4 = r.spawn(sr.read_exact(std::as_writable_bytes(std::span(in_server))));
  REQUIRE(run(r, std::move(h1)).is_ready());
  REQUIRE(run(r, std::move(h2)).is_ready());
  REQUIRE(run(r, std::move(h3)).is_ready());
  REQUIRE(run(r, std::move(h4)).is_ready());
  REQUIRE(in_client == out);
  REQUIRE(in_server == out);
}

TEMPLATE_TEST_CASE("a stream that is always readable yields after the budget, so a timer fires",
                   "[net][tcp_stream]", REACTORS) {
  TestType r;
  connected_pair<TestType> p(r);
  const std::string lots = pattern(256 * 1024);
  REQUIRE(run(r, p.client.write_all(test::bytes_of(lots))).is_ready());
  // One task reads 16 bytes at a time in a loop inside its poll: every read is ready, so only
  // the budget (128 per tick) makes it return.
  std::array<std::byte, 16> buf{};
  std::size_t total = 0;
  int task_polls = 0;
  auto reader = r.spawn(poll_fn<std::size_t, std::error_code>(
      [&](auto& task) -> poll_result<std::size_t, std::error_code> {
        ++task_polls;
        for (;;) {
          auto rd = p.server.read(buf);
          auto n = rd.poll(task);
          if (n.is_pending()) return pending;
          if (n.is_failed()) return failed_value{n.get_error()};
          total += n.get_value();
          if (total >= 4096) return ready_value{total};
        }
      }));
  REQUIRE(run(r, std::move(reader)).is_ready());
  REQUIRE(total >= 4096);
  REQUIRE(task_polls >= 2);  // 256 reads of 16 bytes took at least two ticks
}

TEMPLATE_TEST_CASE("a stream polled by a task of another reactor fails with no_reactor",
                   "[net][tcp_stream]", REACTORS) {
  TestType r;
  connected_pair<TestType> p(r);
  std::array<std::byte, 4> buf{};
  REQUIRE(run(r, p.client.write_all(test::bytes_of(std::string("x")))).is_ready());
  REQUIRE(run(r, p.server.read(buf)).is_ready());  // registered with r
  TestType other;
  auto result = run(other, p.server.read(buf));
  REQUIRE(result.is_failed());
  REQUIRE(result.get_error() == net::errc::no_reactor);
}

TEMPLATE_TEST_CASE("a stream that outlives its reactor fails with no_reactor and drops quietly",
                   "[net][tcp_stream]", REACTORS) {
  std::optional<net::tcp_stream> kept;
  std::optional<net::tcp_listener> listener;
  {
    TestType r;
    connected_pair<TestType> p(r);
    std::array<std::byte, 4> buf{};
    REQUIRE(run(r, p.client.write_all(test::bytes_of(std::string("y")))).is_ready());
    REQUIRE(run(r, p.server.read(buf)).is_ready());
    kept.emplace(std::move(p.server));
    listener.emplace(std::move(p.listener));
  }
  TestType fresh;
  std::array<std::byte, 4> buf{};
  auto result = run(fresh, kept->read(buf));
  REQUIRE(result.is_failed());
  REQUIRE(result.get_error() == net::errc::no_reactor);
  kept.reset();  // deregistering from a driver that is gone does nothing (ASan: no use after free)
}

TEST_CASE("tcp_stream futures need an io_task", "[net][tcp_stream]") {
  STATIC_REQUIRE(pollable<net::read_future, tokio_style::reactor::task_type>);
  STATIC_REQUIRE(pollable<net::connect_future, tokio_style::two_trip_reactor::task_type>);
  STATIC_REQUIRE(!pollable<net::read_future, archetypes::task>);
  STATIC_REQUIRE(!pollable<net::write_all_future, archetypes::timer_task>);
  STATIC_REQUIRE(pollable<net::write_all_future, archetypes::io_task>);
  STATIC_REQUIRE(!std::is_copy_constructible_v<net::tcp_stream>);
  // One reader and one writer per stream: a split cannot be duplicated.
  STATIC_REQUIRE(!std::is_copy_constructible_v<net::tcp_read_half>);
  STATIC_REQUIRE(!std::is_copy_constructible_v<net::tcp_write_half>);
  STATIC_REQUIRE(std::is_nothrow_move_constructible_v<net::tcp_read_half>);
  STATIC_REQUIRE(std::is_nothrow_move_constructible_v<net::tcp_stream>);
}
