// reactors/tokio_style/reactor.hpp: the tokio-style reactor's own behaviour beyond the
// conformance suite: its task's capabilities, one-trip against two-trip dispatch (counted in
// epoll_wait calls), the loop's budget, parking in epoll_wait and being woken from another
// thread through the eventfd, stall detection that counts I/O waiters, the manual clock, and
// shutdown with I/O pending.
#include <gentask/core/task.hpp>
#include <gentask/core/task_archetypes.hpp>
#include <gentask/futures/poll_fn.hpp>
#include <gentask/net/tcp_listener.hpp>
#include <gentask/net/tcp_stream.hpp>
#include <gentask/reactors/local/reactor.hpp>
#include <gentask/reactors/tokio_style/reactor.hpp>
#include <gentask/runtime/reactor.hpp>
#include <gentask/runtime/stalled.hpp>
#include <gentask/storage/boxed_task_store.hpp>
#include <gentask/time/sleep.hpp>

#include "support/net_test.hpp"

#include <catch2/catch.hpp>

#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <thread>

using namespace gentask;
using tokio_style::dispatch;

namespace {
using one_trip_task = tokio_style::reactor::task_type;
using two_trip_task = tokio_style::two_trip_reactor::task_type;
using local_task = local::reactor::task_type;
}  // namespace

TEST_CASE("the tokio-style task models every capability but ui_task, and the local one has no I/O",
          "[tokio_style][reactor]") {
  // clang-format off
  STATIC_REQUIRE( task<one_trip_task>);
  STATIC_REQUIRE( spawning_task<one_trip_task>);
  STATIC_REQUIRE( remote_waking_task<one_trip_task>);
  STATIC_REQUIRE( budgeted_task<one_trip_task>);
  STATIC_REQUIRE( timer_task<one_trip_task>);
  STATIC_REQUIRE( io_task<one_trip_task>);
  STATIC_REQUIRE(!ui_task<one_trip_task>);
  STATIC_REQUIRE( io_task<two_trip_task>);
  STATIC_REQUIRE(!io_task<local_task>);
  STATIC_REQUIRE( timer_task<local_task>);
  STATIC_REQUIRE( runtime::reactor<tokio_style::reactor>);
  STATIC_REQUIRE( runtime::reactor<tokio_style::two_trip_reactor>);
  STATIC_REQUIRE( runtime::reactor<tokio_style::basic_reactor<boxed_storage>>);
  STATIC_REQUIRE( io_driver<tokio_style::epoll_driver>);
  // clang-format on
  STATIC_REQUIRE(tokio_style::reactor::get_dispatch() == dispatch::one_trip);
  STATIC_REQUIRE(tokio_style::two_trip_reactor::get_dispatch() == dispatch::two_trip);
}

namespace {

/// A connected pair: `server` accepted on `r`, `peer` a plain descriptor of the other end.
template <class R>
struct socket_pair {
  net::tcp_listener listener = net::tcp_listener::bind(net::endpoint::loopback());
  int peer = test::blocking_connect(listener.get_local_endpoint());
  net::tcp_stream server;
  explicit socket_pair(R& r) {
    auto a = r.block_on(listener.accept());
    REQUIRE(a.is_ready());
    server = std::move(a).get_value();
  }
  ~socket_pair() { ::close(peer); }
  socket_pair(const socket_pair&) = delete;
  socket_pair& operator=(const socket_pair&) = delete;
};

/// The epoll_wait calls between a byte's arrival and the poll of the task that waited for it.
template <class R>
std::uint64_t waits_from_event_to_poll() {
  R r;
  socket_pair<R> p(r);
  std::array<std::byte, 1> buf{};
  auto read = p.server.read(buf);
  std::uint64_t waits_at_send = 0;
  std::uint64_t waits_at_poll = 0;
  bool sent = false;
  // The root waits for a byte; a task sends it (so the event arrives while the reactor runs).
  auto result = r.block_on(poll_fn<int, std::error_code>(
      [&](auto& task) -> poll_result<int, std::error_code> {
        if (!sent) {
          task.spawn(poll_fn<int, never>([&](auto&) -> poll_result<int, never> {
                  REQUIRE(::send(p.peer, "x", 1, 0) == 1);
                  waits_at_send = r.get_io_driver().get_wait_count();
                  return ready_value{0};
                }))
              .detach();
          sent = true;
        }
        auto n = read.poll(task);
        if (n.is_pending()) return pending;
        waits_at_poll = r.get_io_driver().get_wait_count();
        return ready_value{0};
      }));
  REQUIRE(result.is_ready());
  return waits_at_poll - waits_at_send;
}

}  // namespace

TEST_CASE("one-trip dispatch polls the waiting task after one epoll_wait, two-trip after two",
          "[tokio_style][reactor][dispatch]") {
  CHECK(waits_from_event_to_poll<tokio_style::reactor>() == 1);
  CHECK(waits_from_event_to_poll<tokio_style::two_trip_reactor>() == 2);
}

TEMPLATE_TEST_CASE("a task that never returns pending still lets a timer fire (the budget)",
                   "[tokio_style][reactor]", tokio_style::reactor, tokio_style::two_trip_reactor) {
  TestType r;
  bool stop = false;
  std::size_t spins = 0;
  auto spinner = r.spawn(poll_fn<int, never>([&](auto& task) -> poll_result<int, never> {
    // Ready leaves all the time: only poll_proceed's budget makes it return.
    while (!stop) {
      if (!poll_proceed(task)) return pending;
      ++spins;
    }
    return ready_value{0};
  }));
  std::optional<sleep_future> nap;
  auto result = r.block_on(poll_fn<int, never>([&](auto& task) -> poll_result<int, never> {
    if (!nap) nap.emplace(sleep_for(std::chrono::milliseconds(5)));
    if (nap->poll(task).is_pending()) return pending;
    stop = true;
    return ready_value{0};
  }));
  REQUIRE(result.is_ready());
  REQUIRE(r.block_on(std::move(spinner)).is_ready());
  REQUIRE(spins >= tokio_style::reactor::default_coop_budget);
}

TEMPLATE_TEST_CASE("a remote spawn wakes the reactor parked in epoll_wait",
                   "[tokio_style][reactor][threads]", tokio_style::reactor,
                   tokio_style::two_trip_reactor) {
  TestType r;
  auto remote = r.get_remote_handle();  // also keeps the parked reactor from being stalled
  waker root_waker;
  std::atomic<bool> ran{false};
  std::optional<std::thread> poster;
  auto result = r.block_on(poll_fn<int, never>([&](auto& task) -> poll_result<int, never> {
    if (!poster) {
      root_waker = task.get_waker();
      poster.emplace([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        // Runs on the reactor's thread once the eventfd has unparked it; its handle is kept
        // until then (dropping it would cancel the task).
        auto spawned = remote.spawn(poll_fn<int, never>([&](auto&) -> poll_result<int, never> {
          ran = true;
          root_waker.wake();
          return ready_value{7};
        }));
        while (!ran) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      });
      return pending;
    }
    return ran ? poll_result<int, never>(ready_value{0}) : poll_result<int, never>(pending);
  }));
  poster->join();
  REQUIRE(result.is_ready());
  REQUIRE(ran);
}

TEST_CASE("a remote waker woken from another thread unparks epoll_wait",
          "[tokio_style][reactor][threads]") {
  tokio_style::reactor r;
  std::optional<std::thread> waker_thread;
  int polls = 0;
  auto result = r.block_on(poll_fn<int, never>([&](auto& task) -> poll_result<int, never> {
    if (++polls == 1) {
      waker_thread.emplace([w = task.get_remote_waker()] {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        w.wake();
      });
      return pending;
    }
    return ready_value{polls};
  }));
  waker_thread->join();
  REQUIRE(result.is_ready());
  REQUIRE(result.get_value() == 2);
}

TEST_CASE("block_on throws stalled when nothing can wake the root, but not while a socket can",
          "[tokio_style][reactor][threads]") {
  {
    tokio_style::reactor r;
    auto never_woken = poll_fn<int, never>([](auto&) -> poll_result<int, never> {
      return pending;
    });
    REQUIRE_THROWS_AS(r.block_on(std::move(never_woken)), runtime::stalled);
  }
  {
    // A root waiting for a socket is not stalled: the peer (another thread) writes later.
    tokio_style::reactor r;
    socket_pair<tokio_style::reactor> p(r);
    std::thread writer([fd = p.peer] {
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
      test::blocking_write(fd, "late");
    });
    std::array<std::byte, 4> buf{};
    auto result = r.block_on(p.server.read_exact(buf));
    writer.join();
    REQUIRE(result.is_ready());
    REQUIRE(test::string_of(buf) == "late");
  }
}

TEST_CASE("on the manual clock a one-hour sleep completes at once",
          "[tokio_style][reactor][timer]") {
  tokio_style::reactor r(timer_queue::clock_mode::manual);
  const auto start = r.get_timer().now();
  auto result = r.block_on(sleep_for(std::chrono::hours(1)));
  REQUIRE(result.is_ready());
  REQUIRE(r.get_timer().now() - start >= std::chrono::hours(1));
}

TEMPLATE_TEST_CASE("run_until_idle takes the I/O events that are there without blocking",
                   "[tokio_style][reactor]", tokio_style::reactor, tokio_style::two_trip_reactor) {
  TestType r;
  socket_pair<TestType> p(r);
  std::array<std::byte, 3> buf{};
  auto read = p.server.read_exact(buf);
  bool done = false;
  auto reader = r.spawn(poll_fn<int, std::error_code>(
      [&](auto& task) -> poll_result<int, std::error_code> {
        auto n = read.poll(task);
        if (n.is_pending()) return pending;
        done = true;
        return ready_value{0};
      }));
  r.run_until_idle();
  REQUIRE_FALSE(done);
  test::blocking_write(p.peer, "abc");
  // The bytes are in the socket now; one call takes the event (and, two-trip, its second trip).
  for (int i = 0; i < 100 && !done; ++i) r.run_until_idle();  // loopback may deliver later
  REQUIRE(done);
  REQUIRE(r.block_on(std::move(reader)).is_ready());
}

namespace {
/// Owns its stream and waits for bytes that never come.
struct reader_task {
  using future_concept = future_tag;
  using item_type = std::size_t;
  using error_type = std::error_code;
  net::tcp_stream stream;
  std::array<std::byte, 8> buf{};
  std::optional<net::read_future> read;
  explicit reader_task(net::tcp_stream s) : stream(std::move(s)) {}
  reader_task(reader_task&& o) noexcept : stream(std::move(o.stream)) {}
  template <io_task Task>
  poll_result<std::size_t, std::error_code> poll(Task& task) {
    if (!read) read.emplace(stream.read(buf));
    return read->poll(task);
  }
};
}  // namespace

TEMPLATE_TEST_CASE("shutdown drops tasks waiting on sockets, and nothing leaks or hangs",
                   "[tokio_style][reactor]", tokio_style::reactor, tokio_style::two_trip_reactor) {
  std::optional<TestType> r(std::in_place);
  auto listener = net::tcp_listener::bind(net::endpoint::loopback());
  const int peer = test::blocking_connect(listener.get_local_endpoint());
  auto accepted = r->block_on(listener.accept());
  REQUIRE(accepted.is_ready());
  auto handle = r->spawn(reader_task(std::move(accepted).get_value()));
  r->run_until_idle();
  REQUIRE(r->get_io_driver().get_waiter_count() == 1);
  REQUIRE(r->get_io_driver().get_registration_count() == 2);  // the listener and the stream
  r.reset();  // the task is destroyed, its stream deregisters and closes
  auto result = local::block_on(std::move(handle));  // the handle outlives its reactor
  REQUIRE(result.is_failed());
  REQUIRE(result.get_error().is_canceled());
  char byte = 0;
  REQUIRE(::recv(peer, &byte, 1, 0) == 0);  // the server end was closed: end of stream
  ::close(peer);
}
