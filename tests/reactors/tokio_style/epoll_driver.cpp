// reactors/tokio_style/epoll_driver.hpp: registrations with generations, readiness set by
// events and cleared by leaves, the closed and error bits (EPOLLRDHUP, EPOLLERR),
// stale events after a slot is reused, a descriptor closed while registered and its number
// reused, two-trip notifications, and registrations that outlive the driver. Driven directly,
// with pipes and socket pairs, and counting wakers.
#include <gentask/core/io_driver.hpp>
#include <gentask/reactors/tokio_style/epoll_driver.hpp>

#include "support/counting_task.hpp"
#include "support/net_test.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <optional>

using namespace gentask;
using tokio_style::dispatch;
using tokio_style::epoll_driver;

namespace {

constexpr auto readable = io_interest::readable;
constexpr auto writable = io_interest::writable;

struct pipe_fds {
  int read_end = -1;
  int write_end = -1;
  pipe_fds() {
    int fds[2];
    REQUIRE(::pipe2(fds, O_NONBLOCK | O_CLOEXEC) == 0);
    read_end = fds[0];
    write_end = fds[1];
  }
  ~pipe_fds() {
    if (read_end >= 0) ::close(read_end);
    if (write_end >= 0) ::close(write_end);
  }
  pipe_fds(const pipe_fds&) = delete;
  pipe_fds& operator=(const pipe_fds&) = delete;
};

struct stream_pair {
  int a = -1;
  int b = -1;
  stream_pair() {
    int fds[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) == 0);
    a = fds[0];
    b = fds[1];
  }
  ~stream_pair() {
    if (a >= 0) ::close(a);
    if (b >= 0) ::close(b);
  }
  stream_pair(const stream_pair&) = delete;
  stream_pair& operator=(const stream_pair&) = delete;
};

/// Clears `interest`'s readiness and returns what poll_ready says next (keeping `w`).
io_readiness clear_and_poll(epoll_driver& d, const io_registration& r, io_interest interest,
                            const waker& w) {
  d.clear_ready(r, d.poll_ready(r, interest, w));
  return d.poll_ready(r, interest, w);
}

}  // namespace

TEST_CASE("a new registration is ready both ways until a leaf clears it, and an event wakes the reader",
          "[tokio_style][epoll_driver]") {
  epoll_driver d;
  pipe_fds p;
  test::counting_task t;
  io_registration r = d.register_io(p.read_end);
  REQUIRE(d.get_registration_count() == 1);
  REQUIRE(d.poll_ready(r, readable, t.get_waker()).is_readable());  // try first
  REQUIRE(clear_and_poll(d, r, readable, t.get_waker()).is_empty());  // now it waits
  REQUIRE(d.get_waiter_count() == 1);
  REQUIRE(d.wait(0) == 0);  // an empty pipe's read end reports nothing
  REQUIRE(t.get_wake_count() == 0);
  REQUIRE(::write(p.write_end, "x", 1) == 1);
  REQUIRE(d.wait(1000) == 1);
  REQUIRE(t.get_wake_count() == 1);
  REQUIRE(d.get_waiter_count() == 0);
  REQUIRE(d.poll_ready(r, readable, t.get_waker()).is_readable());
}

TEST_CASE("clear_ready keeps the closed bits: a half-closed peer stays readable (end of stream)",
          "[tokio_style][epoll_driver]") {
  epoll_driver d;
  stream_pair s;
  test::counting_task t;
  io_registration r = d.register_io(s.a);
  REQUIRE(clear_and_poll(d, r, readable, t.get_waker()).is_empty());
  REQUIRE(::shutdown(s.b, SHUT_WR) == 0);
  d.wait(1000);
  const io_readiness ready = d.poll_ready(r, readable, t.get_waker());
  REQUIRE(ready.is_readable());
  REQUIRE(ready.is_read_closed());
  REQUIRE_FALSE(ready.is_write_closed());
  d.clear_ready(r, ready);
  const io_readiness after = d.poll_ready(r, readable, t.get_waker());
  REQUIRE(after.is_read_closed());  // not pending: the leaf reads 0 at once
  REQUIRE_FALSE(after.is_readable());
}

TEST_CASE("a peer that closes sets read_closed, and a reset sets error",
          "[tokio_style][epoll_driver]") {
  {
    epoll_driver d;
    stream_pair s;
    test::counting_task t;
    io_registration r = d.register_io(s.a);
    REQUIRE(clear_and_poll(d, r, readable, t.get_waker()).is_empty());
    ::close(std::exchange(s.b, -1));
    d.wait(1000);
    const io_readiness ready = d.poll_ready(r, readable, t.get_waker());
    REQUIRE(ready.is_read_closed());
    REQUIRE(t.get_wake_count() == 1);
  }
  {
    epoll_driver d;
    auto listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in sa = net::endpoint::loopback().to_sockaddr();
    REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0);
    REQUIRE(::listen(listener, 4) == 0);
    socklen_t len = sizeof sa;
    ::getsockname(listener, reinterpret_cast<sockaddr*>(&sa), &len);
    const int client = test::blocking_connect(net::endpoint::from_sockaddr(sa));
    const int server = ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    REQUIRE(server >= 0);
    test::counting_task t;
    io_registration r = d.register_io(server);
    REQUIRE(clear_and_poll(d, r, readable, t.get_waker()).is_empty());
    test::close_with_reset(client);
    d.wait(1000);
    const io_readiness ready = d.poll_ready(r, readable, t.get_waker());
    REQUIRE(ready.is_error());
    REQUIRE(t.get_wake_count() == 1);
    r.reset();
    ::close(server);
    ::close(listener);
  }
}

TEST_CASE("an event for a freed slot is dropped, and the slot's next registration has a new generation",
          "[tokio_style][epoll_driver]") {
  epoll_driver d;
  pipe_fds p1;
  test::counting_task t1;
  io_registration r1 = d.register_io(p1.read_end);
  const io_token first = r1.get_token();
  REQUIRE(clear_and_poll(d, r1, readable, t1.get_waker()).is_empty());
  REQUIRE(::write(p1.write_end, "x", 1) == 1);  // an event is now due for slot `first`
  r1.reset();                                   // ...but the registration goes first
  REQUIRE(t1.get_wake_count() == 1);            // dropping wakes its waiter
  pipe_fds p2;
  test::counting_task t2;
  io_registration r2 = d.register_io(p2.read_end);
  REQUIRE(r2.get_token().index == first.index);  // the slot is reused
  REQUIRE(r2.get_token().generation != first.generation);
  REQUIRE(clear_and_poll(d, r2, readable, t2.get_waker()).is_empty());
  d.wait(0);
  REQUIRE(t2.get_wake_count() == 0);  // nothing of p1's reaches p2's waiter
}

TEST_CASE("a descriptor closed while registered, its number reused: the old registration's drop "
          "leaves the new one in the set",
          "[tokio_style][epoll_driver]") {
  epoll_driver d;
  std::optional<pipe_fds> old_pipe(std::in_place);
  test::counting_task old_task;
  io_registration old_reg = d.register_io(old_pipe->read_end);
  REQUIRE(clear_and_poll(d, old_reg, readable, old_task.get_waker()).is_empty());
  const int number = old_pipe->read_end;
  ::close(std::exchange(old_pipe->read_end, -1));  // epoll forgets it by itself
  // The next descriptor made takes the lowest free number: the same one.
  int fds[2];
  REQUIRE(::pipe2(fds, O_NONBLOCK | O_CLOEXEC) == 0);
  REQUIRE(fds[0] == number);
  test::counting_task new_task;
  io_registration new_reg = d.register_io(fds[0]);
  REQUIRE(old_task.get_wake_count() == 1);  // the orphaned registration's waiter was told
  REQUIRE(d.poll_ready(old_reg, readable, old_task.get_waker()).is_read_closed());
  REQUIRE(clear_and_poll(d, new_reg, readable, new_task.get_waker()).is_empty());
  old_reg.reset();  // must not remove `number` (now the new pipe) from the set
  REQUIRE(::write(fds[1], "y", 1) == 1);
  d.wait(1000);
  REQUIRE(new_task.get_wake_count() == 1);
  new_reg.reset();
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST_CASE("two-trip dispatch delivers an event's wake only with the next wait",
          "[tokio_style][epoll_driver]") {
  epoll_driver d(dispatch::two_trip);
  pipe_fds p;
  test::counting_task t;
  io_registration r = d.register_io(p.read_end);
  REQUIRE(clear_and_poll(d, r, readable, t.get_waker()).is_empty());
  REQUIRE(::write(p.write_end, "x", 1) == 1);
  d.wait(1000);
  REQUIRE(t.get_wake_count() == 0);  // queued
  REQUIRE(d.has_deferred());
  d.wait(0);  // the second trip
  REQUIRE(t.get_wake_count() == 1);
  REQUIRE_FALSE(d.has_deferred());
  REQUIRE(d.get_wait_count() == 2);
}

TEST_CASE("another driver's registration is detached, and one that outlives its driver does nothing",
          "[tokio_style][epoll_driver]") {
  pipe_fds p;
  test::counting_task t;
  std::optional<epoll_driver> d(std::in_place);
  epoll_driver other;
  io_registration r = d->register_io(p.read_end);
  REQUIRE(other.poll_ready(r, readable, t.get_waker()).is_detached());
  REQUIRE(clear_and_poll(*d, r, readable, t.get_waker()).is_empty());
  d.reset();  // wakes the waiter
  REQUIRE(t.get_wake_count() == 1);
  REQUIRE(other.poll_ready(r, readable, t.get_waker()).is_detached());
  r.reset();  // its driver is gone: nothing (ASan: no use after free)
  REQUIRE_THROWS_AS(other.register_io(-1), std::system_error);
}
